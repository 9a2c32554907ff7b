"""The App Home tab: the person's projects with progress, Start buttons and their counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.ids import Action
from bot.views.blocks import (
    Block,
    actions,
    button,
    cap_blocks,
    context,
    divider,
    header,
    safe,
    section,
)

BAR_WIDTH = 20


@dataclass(frozen=True)
class HomeProject:
    project_id: int
    title: str
    description: str
    complete: int
    total: int
    paused: bool
    today: int
    mine: int
    guidelines_url: str | None


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = 0 if total == 0 else round(width * done / total)
    percent = 0 if total == 0 else round(100 * done / total)
    return f"`{'█' * filled}{'░' * (width - filled)}` {percent}%"


def render_home(projects: list[HomeProject], today: int, total: int) -> dict[str, Any]:
    blocks: list[Block] = [
        header("Labeling"),
        context([f"You today: *{today:,}* · in total: *{total:,}*"]),
    ]
    if not projects:
        blocks.append(section("There are no projects you can label yet."))
    for project in projects:
        blocks.extend(_project_blocks(project))
    return {"type": "home", "blocks": cap_blocks(blocks, 100)}


def _project_blocks(project: HomeProject) -> list[Block]:
    state = " · *paused*" if project.paused else ""
    text = (
        f"*{safe(project.title, 150)}*{state}\n"
        f"{progress_bar(project.complete, project.total)} "
        f"({project.complete:,} of {project.total:,} items done)"
    )
    if project.description:
        text += f"\n{safe(project.description, 300)}"
    elements: list[Block] = []
    if not project.paused:
        elements.append(
            button(
                "Start labeling", Action.START_LABELING, str(project.project_id), style="primary"
            )
        )
    if project.guidelines_url:
        elements.append(button("Guidelines", Action.OPEN_LINK, None, url=project.guidelines_url))
    else:
        elements.append(
            button("Guidelines", Action.PICK_PROJECT, f"guidelines:{project.project_id}")
        )
    mine = context([f"You: {project.today:,} today · {project.mine:,} in total"])
    return [divider(), section(text), mine, actions(elements, block_id=f"p{project.project_id}")]
