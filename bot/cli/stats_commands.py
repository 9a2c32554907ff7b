"""`stats`, `timesheet` and `digest`: the figures behind the digests, on the command line.

The commands parse options and display; the figures come from `bot.stats`, the timesheet
from `bot.stats_timesheet`, and digests are posted through the same claim as the scheduler.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.table import Table
from slack_sdk.errors import SlackApiError

from bot.cli.app import EXIT_CONFIG, EXIT_UNAVAILABLE, console, database, fail
from bot.digest import DigestKind
from bot.digest_post import as_json, manual_period, post_digest, render
from bot.failures import reason, slack_unreachable
from bot.projects.sync import get_project
from bot.services import SlackDirectory
from bot.slack_client import make_client
from bot.stats import ProjectStats, compute_stats, stats_json
from bot.stats_timesheet import timesheet, to_csv
from bot.views.stats import agreement_text, eta_text, percent, seconds
from storage.db import make_session_factory, read_only
from storage.models import utcnow

ProjectArg = Annotated[str, typer.Argument(help="Project slug (run `projects sync` first).")]


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("timesheet")(timesheet_command)
    app.command("digest")(digest)


def stats(
    project: ProjectArg,
    as_json_: Annotated[
        bool, typer.Option("--json", help="Print the JSON object described in docs/stats.md.")
    ] = False,
) -> None:
    """Show a project's progress, agreement and per-annotator figures.

    Example: `python -m bot stats support-intent --json`
    """
    with database() as (_settings, engine), read_only(make_session_factory(engine)) as session:
        try:
            row = get_project(session, project)
        except LookupError as exc:
            fail(str(exc))
        figures = compute_stats(session, row, utcnow())
    if as_json_:
        print(json.dumps(stats_json(figures), indent=2, ensure_ascii=False))
    else:
        _print_stats(figures)


def _print_stats(figures: ProjectStats) -> None:
    items = figures.items
    console.print(f"[bold]{figures.title}[/] ({figures.slug})", highlight=False, markup=True)
    console.print(
        f"{items.complete:,} of {items.total:,} items complete · {items.in_review:,} in review"
        f" · {figures.answers:,} answers · review queue {figures.review.open:,}",
        highlight=False,
    )
    console.print(agreement_text(figures.agreement).replace("κ", "kappa"), highlight=False)
    console.print(f"ETA: {eta_text(figures.eta, figures.deadline is not None)}", markup=False)
    table = Table("annotator", "answers", "today", "last 7 days", "median", "gold", "unsure")
    for a in figures.annotators:
        table.add_row(
            a.annotator,
            f"{a.answers:,}",
            f"{a.today:,}",
            f"{a.last_7_days:,}",
            seconds(a.median_seconds),
            f"{percent(a.gold.value)} ({a.gold.scored})",
            f"{a.unsure:,}",
        )
    console.print(table)


def timesheet_command(
    project: ProjectArg,
    since: Annotated[str, typer.Option("--since", help="First day, YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option("--until", help="Last day (inclusive); default today.")
    ] = None,
    rate: Annotated[float, typer.Option("--rate", min=0, help="Hourly rate.")] = 15.0,
) -> None:
    """Print a CSV per annotator: items, answers, active hours, gold accuracy, amount owed.

    Days are calendar days in the project's digest time zone.
    Example: `python -m bot timesheet support-intent --since 2026-11-01 --until 2026-11-30`
    """
    first, last = _day(since, "--since"), _day(until, "--until") if until else date.today()
    if last < first:
        fail("--until is before --since")
    with database() as (_settings, engine), read_only(make_session_factory(engine)) as session:
        try:
            row = get_project(session, project)
        except LookupError as exc:
            fail(str(exc))
        print(to_csv(timesheet(session, row, first, last, rate)), end="")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} must be a date like 2026-11-01, not {text!r}")


def digest(
    project: ProjectArg,
    weekly: Annotated[bool, typer.Option("--weekly", help="The weekly quality summary.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the messages as JSON; post nothing.")
    ] = False,
) -> None:
    """Post a digest now (daily progress by default), or print it with `--dry-run`.

    Example: `python -m bot digest support-intent --weekly --dry-run`
    """
    kind: DigestKind = "weekly" if weekly else "daily"
    now = utcnow()
    with database() as (settings, engine):
        sessions = make_session_factory(engine)
        try:
            if dry_run:
                print(as_json(render(sessions, project, kind, now)))
                return
            if settings.slack_bot_token is None:
                fail(
                    "SLACK_BOT_TOKEN is not set; use --dry-run to see the digest.", code=EXIT_CONFIG
                )
            client = make_client(settings)
            post_digest(
                sessions, client, SlackDirectory(client), project, kind, manual_period(now), now
            )
        except LookupError as exc:
            fail(str(exc))
        except Exception as exc:
            if slack_unreachable(exc):
                fail(f"Slack could not be reached: {reason(exc)}", code=EXIT_UNAVAILABLE)
            if not isinstance(exc, SlackApiError):
                raise
            fail(f"Slack refused the digest: {exc.response.get('error')}")
    console.print(f"Posted the {kind} digest of {project}.", highlight=False)
