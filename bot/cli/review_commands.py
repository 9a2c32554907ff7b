"""`edge-cases` and `feedback`: what the review channel taught, for the guideline authors."""

from __future__ import annotations

import enum
import json
from typing import Annotated

import typer

from bot.cli.app import ProjectArg, project_or_exit, reading


class LogFormat(enum.StrEnum):
    MD = "md"
    JSONL = "jsonl"


def register(app: typer.Typer) -> None:
    @app.command("edge-cases")
    def edge_cases(
        project: ProjectArg,
        fmt: Annotated[
            LogFormat, typer.Option("--format", "-f", help="md (for the guidelines) or jsonl.")
        ] = LogFormat.MD,
    ) -> None:
        """Print the edge-case log: item, final label, what makes it hard, proposed wording,
        the thread's discussion and who decided.

        Example: `python -m bot edge-cases review-sentiment > edge-cases.md`
        """
        from bot.flows.review_log import edge_case_records, edge_cases_jsonl, edge_cases_markdown

        with reading() as session:
            row = project_or_exit(session, project)
            records = edge_case_records(session, row)
            lines = (
                edge_cases_markdown(row, records)
                if fmt is LogFormat.MD
                else edge_cases_jsonl(records)
            )
            for line in lines:
                typer.echo(line, nl=False)

    @app.command("feedback")
    def feedback(
        project: ProjectArg,
        as_json: Annotated[bool, typer.Option("--jsonl", help="JSON Lines output.")] = False,
    ) -> None:
        """List guideline feedback left with `/label feedback`, oldest first.

        Example: `python -m bot feedback review-sentiment`
        """
        from bot.flows.review_log import feedback_records

        with reading() as session:
            row = project_or_exit(session, project)
            records = feedback_records(session, row)
            if not records and not as_json:
                typer.echo(f"No feedback on {row.slug} yet.")
            for record in records:
                if as_json:
                    typer.echo(json.dumps(record, ensure_ascii=False, sort_keys=True))
                else:
                    when, who = record["created_at"][:16], record["author"]
                    version = record["guideline_version"] or "?"
                    typer.echo(f"{when}  {who}  (guidelines {version})\n  {record['text']}")
