"""Modals leads open from a review post: resolve (with a note) and mark as edge case."""

from __future__ import annotations

from typing import Any

from bot.projects.spec import ProjectSpec, TaskKind
from bot.slack.ids import View
from bot.views.blocks import Block, safe, section
from bot.views.inputs import (
    Values,
    checkboxes_input,
    modal,
    option,
    select_input,
    submitted,
    submitted_text,
    text_input,
)
from bot.views.item_content import ref_suffix
from bot.views.review_state import ReviewRef

LABEL_BLOCK, LABEL_ACTION = "review_label", "review_label"
NOTE_BLOCK, NOTE_ACTION = "review_note", "review_note"
HARD_BLOCK, HARD_ACTION = "edge_hard", "edge_hard"
WORDING_BLOCK, WORDING_ACTION = "edge_wording", "edge_wording"
MAX_NOTE = 2000


def _item(external_id: str, preview: str) -> Block:
    return section(f"*Item*{ref_suffix(external_id)}\n{safe(preview, 500)}")


def render_resolve_modal(
    spec: ProjectSpec, ref: ReviewRef, *, external_id: str, preview: str, majority: Any
) -> dict[str, Any]:
    """The label (prefilled with the majority answer) and an optional note, the rationale."""
    blocks: list[Block] = [_item(external_id, preview)]
    blocks.append(_label_input(spec, majority))
    blocks.append(
        text_input(
            NOTE_BLOCK,
            NOTE_ACTION,
            "Note (why; shared with annotators)",
            max_length=MAX_NOTE,
            optional=True,
        )
    )
    return modal(View.RESOLVE, "Resolve item", blocks, metadata=ref.encode())


def _label_input(spec: ProjectSpec, majority: Any) -> Block:
    task = spec.task
    if task.kind is TaskKind.FREE_TEXT:
        prefill = majority if isinstance(majority, str) else None
        return text_input(
            LABEL_BLOCK,
            LABEL_ACTION,
            "Final answer",
            max_length=task.max_text_length,
            initial=prefill,
        )
    options = [option(c.button_text, c.value) for c in task.effective_choices]
    chosen = majority if isinstance(majority, list) else [majority]
    initial = [o for o in options if o["value"] in chosen]
    if task.kind is TaskKind.MULTI_CHOICE:
        return checkboxes_input(LABEL_BLOCK, LABEL_ACTION, "Final label", options, initial=initial)
    first = initial[0] if initial else None
    return select_input(LABEL_BLOCK, LABEL_ACTION, "Final label", options=options, initial=first)


def render_edge_case_modal(ref: ReviewRef, *, external_id: str, preview: str) -> dict[str, Any]:
    blocks: list[Block] = [
        _item(external_id, preview),
        text_input(HARD_BLOCK, HARD_ACTION, "What makes it hard?", max_length=MAX_NOTE),
        text_input(
            WORDING_BLOCK,
            WORDING_ACTION,
            "Proposed guideline wording",
            max_length=MAX_NOTE,
            optional=True,
        ),
    ]
    return modal(View.EDGE_CASE, "Mark as edge case", blocks, metadata=ref.encode())


def submitted_label(values: Values) -> Any:
    """The label chosen in the resolve modal: a value, a list (checkboxes) or text."""
    return submitted(values, LABEL_BLOCK, LABEL_ACTION)


def submitted_note(values: Values, block: str, action: str) -> str | None:
    """A note typed in a review modal, stripped and cut to MAX_NOTE; None when blank."""
    return submitted_text(values, block, action, limit=MAX_NOTE)
