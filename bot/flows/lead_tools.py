"""Lead tools: export a project to the lead's DM, pause and resume a project.

Leadership is checked here, on the server, for the project acted on (the help listing only
hides these commands from others). Every change is written to the audit log in the same
transaction as the change; an export is audited once the file is delivered.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dataio.export import export_project
from bot.dataio.writers import ExportFormat, writer_for
from bot.domain import audit
from bot.domain.access import is_lead
from bot.flows.project_choice import find_project
from bot.projects.sync import listable_projects, project_spec
from bot.runtime.services import Services
from bot.views.blocks import fallback_text
from storage.db import read_only, unit_of_work
from storage.export_queries import count_items
from storage.models import Project

ONLY_LEADS = "Only a project lead can do that."
EXPORT_USAGE = "Usage: `/label export [project] [format]` with format one of {formats}."
EXTENSIONS = {
    ExportFormat.JSONL: "jsonl",
    ExportFormat.CSV: "csv",
    ExportFormat.LABEL_STUDIO: "json",
    ExportFormat.GROUND_TRUTH: "manifest",
}


def lead_project(
    session: Session, services: Services, user_id: str, slug: str | None
) -> Project | str:
    """The named project if this person leads it, or the only project they lead; otherwise a
    message saying why not (unknown project, not a lead, or several to choose from)."""
    if slug:
        project = find_project(session, slug)
        if project is None:
            return f"There is no project called {slug[:64]!r}."
        projects = [project]
    else:
        projects = listable_projects(session.scalars(select(Project).order_by(Project.slug)))
    led = [p for p in projects if is_lead(project_spec(p), user_id, services.directory)]
    if not led:
        return ONLY_LEADS
    if len(led) > 1:
        return "You lead several projects; name one: " + ", ".join(p.slug for p in led)
    return led[0]


def set_paused(
    session: Session, services: Services, user_id: str, slug: str | None, *, paused: bool
) -> str:
    """Pause (no items handed out, in DMs or channel posts) or resume a project; audited."""
    project = lead_project(session, services, user_id, slug)
    if isinstance(project, str):
        return project
    verb = "paused" if paused else "running"
    if project.paused == paused:
        return f"{project.title} is already {verb}."
    project.paused = paused
    audit.record(
        session,
        actor=user_id,
        action="pause" if paused else "resume",
        project_id=project.id,
        now=services.clock(),
    )
    if paused:
        return (
            f"{project.title} is paused: no items are handed out until a lead runs "
            f"`/label resume {project.slug}`."
        )
    return f"{project.title} is running again."


@dataclass(frozen=True)
class ExportPlan:
    project_id: int
    slug: str
    title: str
    fmt: ExportFormat

    @property
    def filename(self) -> str:
        return f"{self.slug}.{EXTENSIONS[self.fmt]}"


def plan_export(
    session: Session, services: Services, user_id: str, args: list[str]
) -> ExportPlan | str:
    """Parse `[project] [format]` (either order), check leadership and the format's fit."""
    usage = EXPORT_USAGE.format(formats=", ".join(f"`{f.value}`" for f in ExportFormat))
    formats = [a.lower() for a in args if a.lower() in set(ExportFormat)]
    slugs = [a for a in args if a.lower() not in set(ExportFormat)]
    if len(formats) > 1 or len(slugs) > 1:
        return usage
    fmt = ExportFormat(formats[0]) if formats else ExportFormat.JSONL
    project = lead_project(session, services, user_id, slugs[0] if slugs else None)
    if isinstance(project, str):
        return project
    try:
        writer_for(fmt, project_spec(project), project.slug)
    except ValueError as exc:
        return f"{project.title} cannot be exported as {fmt.value}: {exc}."
    return ExportPlan(project.id, project.slug, project.title, fmt)


def run_export(services: Services, client: WebClient, user_id: str, plan: ExportPlan) -> str:
    """Write the export to a temporary file, upload it to the lead's DM, then audit it.

    Runs in the background: it reads in a read-only snapshot (writers are not held up) and
    the file is deleted once uploaded. Returns the one-line summary posted with the file.
    """
    with tempfile.TemporaryDirectory(prefix="labeler-export-") as folder:
        path = Path(folder) / plan.filename
        with read_only(services.sessions) as session:
            project = session.get(Project, plan.project_id)
            if project is None:
                return "That project no longer exists."
            with path.open("w", encoding="utf-8", newline="") as out:
                count = export_project(session, project, plan.fmt, out)
            undecided = count_items(session, project.id, decided=False)
        day = services.clock().date().isoformat()
        summary = (
            f"{plan.title}: {count:,} items exported as {plan.fmt.value} ({day}); "
            f"{undecided:,} of them undecided (no final label, only their votes)."
        )
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            file=str(path),
            filename=plan.filename,
            title=f"{plan.slug} export ({day})",
            initial_comment=fallback_text(summary),
        )
    with unit_of_work(services.sessions) as session:
        audit.record(
            session,
            actor=user_id,
            action="export",
            project_id=plan.project_id,
            detail={"format": plan.fmt.value, "items": count, "filename": plan.filename},
            now=services.clock(),
        )
    return summary
