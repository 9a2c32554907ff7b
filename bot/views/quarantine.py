"""The leads' DM about a quarantined annotator, with the one-click release."""

from __future__ import annotations

from bot.slack.ids import Action
from bot.views.blocks import actions, button, context, safe, section
from bot.views.message import Message
from bot.views.people import mention
from bot.views.stats import percent


def render_quarantine_dm(
    *,
    title: str,
    quarantine_id: int,
    annotator: str,
    accuracy: float,
    answers: int,
    bar: float,
    overused: tuple[str, float] | None,
) -> Message:
    """Why the annotator gets no more items, with the figures, and a Release button."""
    habit = (
        f" They give *{safe(overused[0], 80)}* {overused[1]:.1f}× as often as it is the "
        "right answer."
        if overused
        else ""
    )
    text = (
        f":no_entry: *{safe(title, 150)}:* {mention(annotator)} gets no more items for now. "
        f"Their estimated accuracy is *{percent(accuracy)}* over {answers:,} answers, below "
        f"the project's bar of {percent(bar)}.{habit} Their answers so far keep a low weight "
        "in the labels."
    )
    return Message(
        blocks=[
            section(text),
            actions(
                [
                    button(
                        "Release: give them items again",
                        Action.RELEASE_ANNOTATOR,
                        str(quarantine_id),
                        style="primary",
                    )
                ],
                block_id=f"quarantine{quarantine_id}",
            ),
            context(["Only project leads receive this message. The release is audited."]),
        ],
        text=f"{title}: an annotator is quarantined ({percent(accuracy)} estimated)",
    )


def render_released(title: str, annotator: str, lead: str) -> Message:
    text = (
        f":white_check_mark: *{safe(title, 150)}:* {mention(annotator)} was released by "
        f"{mention(lead)} and gets items again."
    )
    return Message(blocks=[section(text)], text=f"{title}: an annotator was released")
