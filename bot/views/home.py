"""The App Home tab: the person's projects with progress, Start buttons and their counts, and
"All done" where nothing is left for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.slack.ids import Action
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
    available: int  # items this person could be handed now
    held_by_others: int  # new to them, but other people's leases fill them for now
    lease_minutes: int


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = 0 if total == 0 else round(width * done / total)
    percent = 0 if total == 0 else round(100 * done / total)
    return f"`{'█' * filled}{'░' * (width - filled)}` {percent}%"


def render_home(projects: list[HomeProject], today: int, total: int) -> dict[str, Any]:
    """Each project with its progress; one primary **Start labeling**, on the first project
    with something for this person, so the tab has one obvious next step."""
    blocks: list[Block] = [
        header("Labeling"),
        context([f"You today: *{today:,}* · in total: *{total:,}*"]),
    ]
    if not projects:
        blocks.append(section("There are no projects you can label yet."))
    first = next((p.project_id for p in projects if _startable(p)), None)
    for project in projects:
        blocks.extend(_project_blocks(project, primary=project.project_id == first))
    return {"type": "home", "blocks": cap_blocks(blocks, 100)}


def _startable(project: HomeProject) -> bool:
    return not project.paused and project.available > 0


def _project_blocks(project: HomeProject, *, primary: bool) -> list[Block]:
    state = " · *paused*" if project.paused else ""
    lines = [f"*{safe(project.title, 150)}*{state}"]
    if project.total == 0:
        lines.append("No items yet: they appear here when a lead adds them.")
    else:
        if not project.paused and project.available == 0:
            lines.append(finished_text(project))
        lines.append(
            f"{progress_bar(project.complete, project.total)} "
            f"({project.complete:,} of {project.total:,} items done)"
        )
    if project.description:
        lines.append(safe(project.description, 300))
    elements: list[Block] = []
    if _startable(project):
        style = "primary" if primary else None
        start = button(
            "Start labeling", Action.START_LABELING, str(project.project_id), style=style
        )
        elements.append(start)
    if project.guidelines_url:
        elements.append(button("Guidelines", Action.OPEN_LINK, None, url=project.guidelines_url))
    else:
        elements.append(
            button("Guidelines", Action.PICK_PROJECT, f"guidelines:{project.project_id}")
        )
    mine = context([f"You: {project.today:,} today · {project.mine:,} in total"])
    return [
        divider(),
        section("\n".join(lines)),
        mine,
        actions(elements, block_id=f"p{project.project_id}"),
    ]


def finished_text(project: HomeProject) -> str:
    """Nothing left for this person: say so, and when more may come."""
    if project.held_by_others:
        held = project.held_by_others
        items = "item is" if held == 1 else "items are"
        return (
            f"*All done* 🎉 {held:,} more {items} with other annotators right now; "
            f"any they leave unanswered come back within {project.lease_minutes} minutes."
        )
    if project.complete == project.total:
        return "*All done* 🎉 Every item is labeled. More come when a lead adds items."
    return (
        "*All done* 🎉 You have answered everything open to you. More may come when a "
        "lead adds items or sends one back for more answers."
    )
