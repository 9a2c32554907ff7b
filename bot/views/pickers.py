"""Lists of projects to choose from (several projects and none named)."""

from __future__ import annotations

from typing import Literal

from bot.slack.ids import Action
from bot.views.blocks import Block, button, cap_blocks, context, link, safe, section
from bot.views.markdown import sections_within
from bot.views.message import Message
from storage.models import Project

Purpose = Literal["next", "guidelines"]

#: Characters of guidelines in one message: Slack has refused messages of ~13,000 in total.
GUIDELINES_BUDGET = 10_000


def render_project_picker(projects: list[Project], *, purpose: Purpose) -> Message:
    intro = "Which project?" if purpose == "next" else "Guidelines of which project?"
    blocks: list[Block] = [section(f"*{intro}*")]
    for project in projects:
        if purpose == "next":
            control = button(
                "Start labeling", Action.START_LABELING, str(project.id), style="primary"
            )
        else:
            control = button("Guidelines", Action.PICK_PROJECT, f"guidelines:{project.id}")
        blocks.append(section(f"*{safe(project.title, 150)}*", accessory=control))
    return Message(blocks=cap_blocks(blocks), text=intro)


def render_guidelines(title: str, text: str, version: str, url: str | None) -> Message:
    """Guidelines rendered from their Markdown, in as many sections as fit a message that
    Slack accepts (a card, not a document: the full text is behind the link)."""
    chunks, shortened = sections_within(text, GUIDELINES_BUDGET)
    blocks: list[Block] = [section(f"*{safe(title, 150)}*: guidelines")]
    blocks.extend(section(chunk) for chunk in chunks or ["_(no guidelines yet)_"])
    footer = [f"Version {safe(version, 64)}"]
    if shortened:
        footer.append("(shortened; open the full guidelines)" if url else "(shortened)")
    if url:
        footer.append(link(url, "Full guidelines"))
    blocks.append(context(footer))
    return Message(blocks=blocks, text=f"{title}: guidelines")
