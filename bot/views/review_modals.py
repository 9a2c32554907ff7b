"""Modals leads open from a review post: resolve (with a note) and mark as edge case."""

from __future__ import annotations

from typing import Any

from bot.projects.spec import ProjectSpec, TaskKind
from bot.slack.ids import View
from bot.views.blocks import Block, plain, safe, section
from bot.views.item_content import ref_suffix
from bot.views.review_state import ReviewRef

LABEL_BLOCK, LABEL_ACTION = "review_label", "review_label"
NOTE_BLOCK, NOTE_ACTION = "review_note", "review_note"
HARD_BLOCK, HARD_ACTION = "edge_hard", "edge_hard"
WORDING_BLOCK, WORDING_ACTION = "edge_wording", "edge_wording"
MAX_NOTE = 2000


def _modal(callback_id: str, title: str, blocks: list[Block], ref: ReviewRef) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
        "private_metadata": ref.encode(),
    }


def _text_input(
    block_id: str, action_id: str, label: str, *, optional: bool, initial: str | None = None
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": True,
        "max_length": MAX_NOTE,
    }
    if initial:
        element["initial_value"] = initial[:MAX_NOTE]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label, 2000),
        "element": element,
    }


def _item(external_id: str, preview: str) -> Block:
    return section(f"*Item*{ref_suffix(external_id)}\n{safe(preview, 500)}")


def render_resolve_modal(
    spec: ProjectSpec, ref: ReviewRef, *, external_id: str, preview: str, majority: Any
) -> dict[str, Any]:
    """The label (prefilled with the majority answer) and an optional note, the rationale."""
    blocks: list[Block] = [_item(external_id, preview)]
    blocks.append(_label_input(spec, majority))
    blocks.append(
        _text_input(NOTE_BLOCK, NOTE_ACTION, "Note (why; shared with annotators)", optional=True)
    )
    return _modal(View.RESOLVE, "Resolve item", blocks, ref)


def _label_input(spec: ProjectSpec, majority: Any) -> Block:
    task = spec.task
    if task.kind is TaskKind.FREE_TEXT:
        prefill = majority if isinstance(majority, str) else None
        block = _text_input(
            LABEL_BLOCK, LABEL_ACTION, "Final answer", optional=False, initial=prefill
        )
        block["element"]["max_length"] = task.max_text_length
        return block
    options = [{"text": plain(c.button_text, 75), "value": c.value} for c in task.effective_choices]
    chosen = majority if isinstance(majority, list) else [majority]
    initial = [o for o in options if o["value"] in chosen]
    if task.kind is TaskKind.MULTI_CHOICE:
        element: dict[str, Any] = {
            "type": "checkboxes",
            "action_id": LABEL_ACTION,
            "options": options,
        }
        if initial:
            element["initial_options"] = initial
    else:
        element = {"type": "static_select", "action_id": LABEL_ACTION, "options": options}
        if initial:
            element["initial_option"] = initial[0]
    return {
        "type": "input",
        "block_id": LABEL_BLOCK,
        "label": plain("Final label"),
        "element": element,
    }


def render_edge_case_modal(ref: ReviewRef, *, external_id: str, preview: str) -> dict[str, Any]:
    blocks: list[Block] = [
        _item(external_id, preview),
        _text_input(HARD_BLOCK, HARD_ACTION, "What makes it hard?", optional=False),
        _text_input(WORDING_BLOCK, WORDING_ACTION, "Proposed guideline wording", optional=True),
    ]
    return _modal(View.EDGE_CASE, "Mark as edge case", blocks, ref)


def submitted_label(values: dict[str, Any]) -> Any:
    """The label chosen in the resolve modal: a value, a list (checkboxes) or text."""
    element = (values.get(LABEL_BLOCK) or {}).get(LABEL_ACTION) or {}
    kind = element.get("type")
    if kind == "checkboxes":
        return [str(o.get("value")) for o in element.get("selected_options") or []]
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    return element.get("value")


def submitted_text(values: dict[str, Any], block: str, action: str) -> str | None:
    value = ((values.get(block) or {}).get(action) or {}).get("value")
    text = str(value).strip() if value is not None else ""
    return text[:MAX_NOTE] or None
