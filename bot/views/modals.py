"""Modals opened from a labeling card: Unsure, free-text answer, full text of a long item."""

from __future__ import annotations

from typing import Any

from bot.domain.labeling import UNSURE_REASONS
from bot.slack.ids import View
from bot.views.blocks import MAX_TEXT, MAX_VIEW_BLOCKS, Block, safe, section
from bot.views.inputs import modal, option, select_input, text_input
from bot.views.state import CardState

REASON_BLOCK, REASON_ACTION = "reason", "reason"
NOTE_BLOCK, NOTE_ACTION = "note", "note"
ANSWER_BLOCK, ANSWER_ACTION = "answer", "answer"
MAX_NOTE = 1000


def render_unsure_modal(state: CardState) -> dict[str, Any]:
    """A required reason with nothing preselected, so every recorded reason was chosen."""
    options = [option(text, value) for value, text in UNSURE_REASONS.items()]
    blocks: list[Block] = [
        select_input(
            REASON_BLOCK,
            REASON_ACTION,
            "Why are you unsure?",
            options=options,
            placeholder="Choose a reason",
        ),
        text_input(
            NOTE_BLOCK, NOTE_ACTION, "Note for the reviewers", max_length=MAX_NOTE, optional=True
        ),
    ]
    return modal(View.UNSURE, "Unsure", blocks, metadata=state.encode(), submit="Submit")


def render_free_text_modal(
    title: str, prefill: str, max_length: int, item: list[Block], state: CardState
) -> dict[str, Any]:
    """The item (text, image, audio or video link) above the answer box, so the modal, which
    covers the card, still shows what is being answered."""
    answer = text_input(ANSWER_BLOCK, ANSWER_ACTION, title, max_length=max_length, initial=prefill)
    blocks = [*item[: MAX_VIEW_BLOCKS - 1], answer]
    return modal(View.FREE_TEXT, "Your answer", blocks, metadata=state.encode(), submit="Submit")


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
    return modal(View.FULL_TEXT, title, blocks, submit=None)
