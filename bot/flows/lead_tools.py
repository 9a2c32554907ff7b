"""Lead tools: export a project to the lead's DM, pause and resume a project.

Leadership is checked here, on the server, for the project acted on (the help listing only
hides these commands from others). Every change is written to the audit log in the same
transaction as the change; an export is audited once the file is delivered
(`bot.delivery.exports`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.dataio.formats import ExportFormat
from bot.dataio.writers import writer_for
from bot.domain import audit
from bot.flows.effects import Outcome, Refusal, SendExport, notice
from bot.flows.project_choice import lead_project
from bot.projects.sync import project_spec
from bot.runtime.services import Services

EXPORT_USAGE = "Usage: `/label export [project] [format]` with format one of {formats}."


def set_paused(
    session: Session, services: Services, user_id: str, slug: str | None, *, paused: bool
) -> Outcome:
    """Pause (no items handed out, in DMs or channel posts) or resume a project; audited."""
    project = lead_project(session, services, user_id, slug)
    if isinstance(project, Refusal):
        return project
    verb = "paused" if paused else "running"
    if project.paused == paused:
        return notice(f"{project.title} is already {verb}.")
    project.paused = paused
    audit.record(
        session,
        actor=user_id,
        action="pause" if paused else "resume",
        project_id=project.id,
        now=services.clock(),
    )
    if paused:
        return notice(
            f"{project.title} is paused: no items are handed out until a lead runs "
            f"`/label resume {project.slug}`."
        )
    return notice(f"{project.title} is running again.")


def plan_export(session: Session, services: Services, user_id: str, args: list[str]) -> Outcome:
    """Parse `[project] [format]` (either order), check leadership and the format's fit; the
    file is written and uploaded in the background."""
    files = [f for f in ExportFormat if f is not ExportFormat.PARQUET]  # Parquet is a folder
    usage = EXPORT_USAGE.format(formats=", ".join(f"`{f.value}`" for f in files))
    formats = [a.lower() for a in args if a.lower() in set(ExportFormat)]
    slugs = [a for a in args if a.lower() not in set(ExportFormat)]
    if len(formats) > 1 or len(slugs) > 1:
        return Refusal(usage)
    fmt = ExportFormat(formats[0]) if formats else ExportFormat.JSONL
    if fmt is ExportFormat.PARQUET:
        return Refusal(
            "A Parquet dataset is a folder (a file per split and a dataset card), which Slack "
            "cannot send as one file: run `python -m bot export PROJECT --format parquet -o DIR`."
        )
    project = lead_project(session, services, user_id, slugs[0] if slugs else None)
    if isinstance(project, Refusal):
        return project
    try:
        writer_for(fmt, project_spec(project), project.slug)
    except ValueError as exc:
        return Refusal(f"{project.title} cannot be exported as {fmt.value}: {exc}.")
    said = f"Exporting {project.title} as {fmt.value}; the file will be in your DM."
    return [*notice(said), SendExport(user_id, project.id, project.slug, project.title, fmt.value)]
