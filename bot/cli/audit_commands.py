"""`audit PROJECT [--since DATE] [--json]`: who did what in a project, oldest first.

A display layer over `bot.domain.audit.entries`; the log is written by every lead action
(pause, resume, export, relabel, channel posts, review requests) in the change's transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from bot.cli.app import ProjectArg, console, project_or_exit, reading

if TYPE_CHECKING:
    from storage.models import AuditEvent

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _utc(moment: datetime) -> datetime:
    """Dates on the command line and naive timestamps from SQLite are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _as_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "created_at": _utc(event.created_at).isoformat(),
        "actor": event.actor,
        "action": event.action,
        "detail": event.detail or {},
    }


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit_command(
        project: ProjectArg,
        since: Annotated[
            datetime | None,
            typer.Option(formats=DATE_FORMATS, help="Only entries from this UTC date or time on."),
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print a JSON array instead of a table.")
        ] = False,
    ) -> None:
        """List a project's audit log: lead actions with who, what and when (UTC).

        Examples:

        `python -m bot audit review-sentiment`

        `python -m bot audit review-sentiment --since 2026-01-31 --json`
        """
        from bot.domain import audit

        with reading() as session:
            proj = project_or_exit(session, project)
            slug, start = proj.slug, _utc(since) if since is not None else None
            rows = [_as_dict(e) for e in audit.entries(session, project_id=proj.id, since=start)]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            console.print(f"No audit entries for {slug}.")
            return
        table = Table("When (UTC)", "Who", "Action", "Detail", title=f"Audit log: {slug}")
        for row in rows:
            detail = json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)
            when = row["created_at"][:19].replace("T", " ")
            cells = (when, row["actor"], row["action"], detail if row["detail"] else "")
            table.add_row(*(Text(cell) for cell in cells))  # Text: names are not rich markup
        console.print(table)
