"""The `/label` help text, listing exactly the subcommands this person may run."""

from __future__ import annotations

from bot.views.blocks import section
from bot.views.labeling_card import Message

EVERYONE = [
    ("next [project]", "get your next item in a DM"),
    ("guidelines [project]", "read a project's guidelines"),
    ("help", "this list"),
]
LEADS = [
    ("post N [project]", "post N items to the project's labeling channel"),
]


def render_help(*, lead: bool) -> Message:
    rows = EVERYONE + (LEADS if lead else [])
    lines = "\n".join(f"• `/label {usage}`: {what}" for usage, what in rows)
    return Message(blocks=[section(f"*Labeling commands*\n{lines}")], text="Labeling commands")
