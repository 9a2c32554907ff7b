"""The `/label` help text: exactly the subcommands this person may run."""

from __future__ import annotations

from bot.views.blocks import section
from bot.views.message import Message


def render_help(rows: list[tuple[str, str]]) -> Message:
    lines = "\n".join(f"• `/label {usage}`: {summary}" for usage, summary in rows)
    return Message(blocks=[section(f"*Labeling commands*\n{lines}")], text="Labeling commands")
