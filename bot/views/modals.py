"""Modals opened from a labeling card: Unsure, free-text answer, full text of a long item."""

from __future__ import annotations

from typing import Any

from bot.domain.labeling import UNSURE_REASONS
from bot.slack.ids import View
from bot.views.blocks import MAX_TEXT, MAX_VIEW_BLOCKS, Block, plain, safe, section
from bot.views.state import CardState

REASON_BLOCK, REASON_ACTION = "reason", "reason"
NOTE_BLOCK, NOTE_ACTION = "note", "note"
ANSWER_BLOCK, ANSWER_ACTION = "answer", "answer"
MAX_NOTE = 1000


def _modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    metadata: str = "",
    submit: str | None = "Submit",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain("Cancel" if submit else "Close", 24),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def render_unsure_modal(state: CardState) -> dict[str, Any]:
    """A required reason with nothing preselected, so every recorded reason was chosen."""
    options = [{"text": plain(text, 75), "value": value} for value, text in UNSURE_REASONS.items()]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": REASON_BLOCK,
            "label": plain("Why are you unsure?"),
            "element": {
                "type": "static_select",
                "action_id": REASON_ACTION,
                "options": options,
                "placeholder": plain("Choose a reason", 150),
            },
        },
        {
            "type": "input",
            "block_id": NOTE_BLOCK,
            "optional": True,
            "label": plain("Note for the reviewers"),
            "element": {
                "type": "plain_text_input",
                "action_id": NOTE_ACTION,
                "multiline": True,
                "max_length": MAX_NOTE,
            },
        },
    ]
    return _modal(View.UNSURE, "Unsure", blocks, metadata=state.encode())


def render_free_text_modal(
    title: str, prefill: str, max_length: int, item: list[Block], state: CardState
) -> dict[str, Any]:
    """The item (text, image, audio or video link) above the answer box, so the modal, which
    covers the card, still shows what is being answered."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ANSWER_ACTION,
        "multiline": True,
        "max_length": max_length,
    }
    if prefill:
        element["initial_value"] = prefill[:max_length]
    answer: Block = {
        "type": "input",
        "block_id": ANSWER_BLOCK,
        "label": plain(title[:2000]),
        "element": element,
    }
    blocks = [*item[: MAX_VIEW_BLOCKS - 1], answer]
    return _modal(View.FREE_TEXT, "Your answer", blocks, metadata=state.encode())


def render_full_text_modal(title: str, texts: list[tuple[str, str]]) -> dict[str, Any]:
    """Each field in as many 3000-character sections as the modal's 100 blocks allow."""
    blocks: list[Block] = []
    step = MAX_TEXT - 200
    for label, text in texts:
        escaped = safe(text, 10**9) or "_(empty)_"
        blocks.append(section(f"*{safe(label, 60)}*"))
        blocks.extend(section(escaped[i : i + step]) for i in range(0, len(escaped), step))
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = blocks[: MAX_VIEW_BLOCKS - 1] + [section("_(text continues; shortened)_")]
    return _modal(View.FULL_TEXT, title, blocks, submit=None)


def submitted_value(values: dict[str, Any], block: str, action: str) -> Any:
    """Read one input's value from a view_submission's `state.values`."""
    element = (values.get(block) or {}).get(action) or {}
    if element.get("type") == "static_select":
        selected = element.get("selected_option") or {}
        return selected.get("value")
    return element.get("value")
