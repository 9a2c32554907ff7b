"""Lists of projects to choose from (several projects and none named)."""

from __future__ import annotations

from typing import Literal

from bot.ids import Action
from bot.views.blocks import MAX_TEXT, Block, button, cap_blocks, context, safe, section
from bot.views.labeling_card import Message
from storage.models import Project

Purpose = Literal["next", "guidelines"]


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
    """Guidelines in as many sections as needed (at most ten: a card, not a document)."""
    chunks = [text[i : i + MAX_TEXT - 100] for i in range(0, len(text), MAX_TEXT - 100)] or [""]
    blocks: list[Block] = [section(f"*{safe(title, 150)}*: guidelines")]
    blocks.extend(section(safe(chunk)) for chunk in chunks[:10])
    footer = [f"Version {safe(version, 64)}"]
    if len(chunks) > 10:
        footer.append("(shortened; open the full guidelines)")
    if url:
        footer.append(f"<{safe(url, 500)}|Full guidelines>")
    blocks.append(context(footer))
    return Message(blocks=blocks, text=f"{title}: guidelines")
