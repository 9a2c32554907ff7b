"""A lead's export: written to a temporary file in a read-only snapshot (answers are not held
up), uploaded to the lead's DM, deleted, then audited."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.dataio.export import export_project
from bot.dataio.formats import ExportFormat
from bot.domain import audit
from bot.flows.effects import SendExport
from bot.runtime.services import Services
from bot.slack.messaging import dm_channel
from bot.views.blocks import fallback_text
from storage.db import read_only, unit_of_work
from storage.export_queries import count_items
from storage.projects import project_by_id

log = logging.getLogger(__name__)

EXTENSIONS = {
    ExportFormat.JSONL: "jsonl",
    ExportFormat.CSV: "csv",
    ExportFormat.LABEL_STUDIO: "json",
    ExportFormat.GROUND_TRUTH: "manifest",
    ExportFormat.PRODIGY: "jsonl",
}


def send_export(
    services: Services, client: WebClient, plan: SendExport, respond: Respond | None
) -> None:
    """Write, upload and audit; a failure is told to the lead (through `respond`) and logged."""
    try:
        _send(services, client, plan)
    except Exception:
        log.exception("the export of %s failed", plan.slug)
        if respond is not None:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=fallback_text(f"The export of {plan.title} failed."),
            )


def _send(services: Services, client: WebClient, plan: SendExport) -> str:
    fmt = ExportFormat(plan.fmt)
    filename = f"{plan.slug}.{EXTENSIONS[fmt]}"
    with tempfile.TemporaryDirectory(prefix="labeler-export-") as folder:
        path = Path(folder) / filename
        with read_only(services.sessions) as session:
            project = project_by_id(session, plan.project_id)
            if project is None:
                return "That project no longer exists."
            with path.open("w", encoding="utf-8", newline="") as out:
                count = export_project(session, project, fmt, out)
            undecided = count_items(session, project.id, decided=False)
        day = services.clock().date().isoformat()
        summary = (
            f"{plan.title}: {count:,} items exported as {fmt.value} ({day}); "
            f"{undecided:,} of them undecided (no final label, only their votes)."
        )
        client.files_upload_v2(
            channel=dm_channel(client, plan.user),
            file=str(path),
            filename=filename,
            title=f"{plan.slug} export ({day})",
            initial_comment=fallback_text(summary),
        )
    with unit_of_work(services.sessions) as session:
        audit.record(
            session,
            actor=plan.user,
            action="export",
            project_id=plan.project_id,
            detail={"format": fmt.value, "items": count, "filename": filename},
            now=services.clock(),
        )
    return summary
