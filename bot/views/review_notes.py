"""Short messages around a decision: the thread's closing reply and the dissenters' DM."""

from __future__ import annotations

from bot.views.blocks import context, safe, section
from bot.views.item_content import ref_suffix
from bot.views.message import Message
from bot.views.people import mention

NOTE = 1500


def render_thread_note(headline: str, details: list[tuple[str, str | None]]) -> Message:
    """A thread reply: an (already escaped) headline and labelled user-text details."""
    lines = [headline]
    lines.extend(f"*{label}:* {safe(text, NOTE)}" for label, text in details if text)
    body = "\n".join(lines)
    return Message(blocks=[section(body)], text=_plain(headline))


def render_dissent_dm(
    *,
    title: str,
    external_id: str,
    preview: str,
    your_answer: str,
    decided: str,
    lead: str,
    note: str | None,
) -> Message:
    """Tell an annotator how a lead decided an item they answered differently, and why."""
    lines = [
        f"*{safe(title, 150)}*{ref_suffix(external_id)}: a lead reviewed an item you answered.",
        f"> {safe(preview, 300)}",
        f"You answered *{safe(your_answer, 300)}*; {mention(lead)} decided *{safe(decided, 300)}*.",
    ]
    if note:
        lines.append(f"*Why:* {safe(note, NOTE)}")
    blocks = [section("\n".join(lines)), context(["Shared so everyone learns from each case."])]
    text = f"{title}: an item you answered was decided as {decided}"
    return Message(blocks=blocks, text=text[:300])


def _plain(mrkdwn_text: str) -> str:
    return mrkdwn_text.replace("*", "")[:300]
