"""`stats`, `timesheet` and `digest`: the figures behind the digests, on the command line.

The commands parse options and display; the figures come from `bot.reports.stats`, the timesheet
from `bot.reports.timesheet`, and digests are posted through the same claim as the scheduler.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.app import EXIT_CONFIG, EXIT_UNAVAILABLE, ProjectArg, console, database, fail, reading

if TYPE_CHECKING:
    from bot.metrics import Accuracy
    from bot.metrics.pay import PayTerms
    from bot.reports.digest import DigestKind
    from bot.reports.stats import ProjectStats
    from bot.reports.timesheet import TimesheetRow
    from storage.db import SessionFactory


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
    from bot.cli.app import project_or_exit
    from bot.reports.stats import compute_stats
    from bot.views.stats_json import stats_json
    from storage.models import utcnow

    with reading() as session:
        row = project_or_exit(session, project)
        figures = compute_stats(session, row, utcnow())
    if as_json_:
        print(json.dumps(stats_json(figures), indent=2, ensure_ascii=False))
    else:
        _print_stats(figures)


def _print_stats(figures: ProjectStats) -> None:
    from rich.table import Table

    from bot.metrics.quality import LOW_QUALITY
    from bot.views.stats import agreement_text, eta_text, model_line, percent, seconds

    items = figures.items
    console.print(f"[bold]{figures.title}[/] ({figures.slug})", highlight=False, markup=True)
    console.print(
        f"{items.complete:,} of {items.total:,} items complete · {items.in_review:,} in review"
        f" · {figures.answers:,} answers · review queue {figures.review.open:,}"
        f" ({figures.review.open_holding:,} holding items, {figures.review.open_flags:,} unsure"
        " flags)",
        highlight=False,
    )
    console.print(agreement_text(figures.agreement).replace("κ", "kappa"), highlight=False)
    console.print(f"ETA: {eta_text(figures.eta, figures.deadline is not None)}", markup=False)
    if figures.model is not None:
        console.print(model_line(figures.model), highlight=False, markup=False)
    table = Table("annotator", "answers", "7 days", "median", "agrees", "gold", "unsure")
    for a in figures.annotators:
        table.add_row(
            a.annotator,
            f"{a.answers:,}",
            f"{a.last_7_days:,}",
            seconds(a.median_seconds),
            f"{percent(a.agreement.value)} ({a.agreement.scored})",
            f"{percent(a.gold.value)} ({a.gold.scored})",
            f"{a.unsure:,}",
        )
    console.print(table)
    console.print(
        "agrees: answers matching the decided label on decided non-gold items (count); "
        "gold: answers matching the gold answer (count).",
        highlight=False,
        markup=False,
    )
    for a in figures.annotators:
        if a.scored.flagged:
            quality = a.scored.quality
            console.print(
                f"Low quality: {a.annotator} matches {percent(quality.value)} of "
                f"{quality.scored} scored answers (confidently below {percent(LOW_QUALITY)}).",
                highlight=False,
                markup=False,
            )


class SheetFormat(enum.StrEnum):
    CSV = "csv"
    TABLE = "table"


def timesheet_command(
    project: ProjectArg,
    since: Annotated[str, typer.Option("--since", help="First day, YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option("--until", help="Last day (inclusive); default today.")
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(
            "--rate", min=0, help="Hourly rate; default the project's pay.hourly_rate, else 15."
        ),
    ] = None,
    format_: Annotated[
        SheetFormat, typer.Option("--format", help="CSV for scripts, or a table to read.")
    ] = SheetFormat.CSV,
) -> None:
    """Per annotator: items, answers, active hours, base pay, quality, bonus and total owed.

    Days are calendar days in the project's digest time zone; docs/stats.md says how active
    hours, quality and the bonus are counted.
    Example: `python -m bot timesheet support-intent --since 2026-11-01 --until 2026-11-30`
    """
    first, last = _day(since, "--since"), _day(until, "--until") if until else date.today()
    if last < first:
        fail("--until is before --since")
    from bot.cli.app import project_or_exit
    from bot.projects.sync import project_spec
    from bot.reports.timesheet import pay_terms, timesheet, to_csv

    override = None if rate is None else Decimal(str(rate))
    with reading() as session:
        row = project_or_exit(session, project)
        rows = timesheet(session, row, first, last, override)
        terms = pay_terms(project_spec(row).pay, override)
        title = row.title
    if format_ is SheetFormat.CSV:
        print(to_csv(rows), end="")
    else:
        _print_timesheet(rows, terms, f"{title}: {first:%d %b %Y} to {last:%d %b %Y}")


def _print_timesheet(rows: list[TimesheetRow], terms: PayTerms, title: str) -> None:
    from rich import box
    from rich.table import Table

    from bot.reports.timesheet import decimal_text
    from bot.views.pay import bonus_terms
    from bot.views.stats import percent

    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("annotator", no_wrap=True)
    for heading in ("items", "answers", "hours", "base pay", "quality", "bonus", "total"):
        # Only the quality cell may wrap (at its space); figures are never cut short.
        table.add_column(heading, justify="right", no_wrap=heading != "quality")
    for r in rows:
        table.add_row(
            r.annotator,
            f"{r.items:,}",
            f"{r.answers:,}",
            f"{r.active_hours:,.2f}",
            f"{r.base_pay:,.2f}",
            f"{percent(r.quality.value)} ({_fraction(r.agreement)}+{_fraction(r.gold)})",
            f"{r.bonus:,.2f}",
            f"{r.total:,.2f}",
        )
    console.print(table)
    rate = decimal_text(terms.rate)
    amounts = (
        f"Amounts in {terms.currency}; rate {rate} {terms.currency} an hour."
        if terms.currency
        else f"Rate {rate} an hour (the project declares no pay)."
    )
    console.print(
        f"{amounts} {bonus_terms(terms)} Quality pools answers matching the decided label and "
        "answers matching the gold answer (correct/scored of each).",
        highlight=False,
        markup=False,
    )


def _fraction(accuracy: Accuracy) -> str:
    return f"{accuracy.correct:,}/{accuracy.scored:,}"


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
    force: Annotated[
        bool, typer.Option("--force", help="Post even though this period's digest was posted.")
    ] = False,
) -> None:
    """Post a digest now (daily progress by default), or print it with `--dry-run`.

    It counts as the digest of the latest scheduled run, so the scheduler does not post that
    period again, and posting a period twice needs `--force`.

    Example: `python -m bot digest support-intent --weekly --dry-run`
    """
    from slack_sdk.errors import SlackApiError

    from bot.delivery.digests import as_json, post_digest, render_digest
    from bot.reports.digest import manual_period
    from bot.runtime.failures import reason, slack_unreachable
    from bot.runtime.services import SlackDirectory
    from bot.slack.client import make_client
    from storage.db import make_session_factory
    from storage.models import utcnow

    kind: DigestKind = "weekly" if weekly else "daily"
    now = utcnow()
    with database() as (settings, engine):
        sessions = make_session_factory(engine)
        try:
            if dry_run:
                print(as_json(render_digest(sessions, project, kind, now)))
                return
            if settings.slack_bot_token is None:
                fail(
                    "SLACK_BOT_TOKEN is not set; use --dry-run to see the digest.", code=EXIT_CONFIG
                )
            period = manual_period(now) if force else _period(sessions, project, kind, now)
            client = make_client(settings)
            posted = post_digest(
                sessions, client, SlackDirectory(client), project, kind, period, now
            )
        except LookupError as exc:
            fail(str(exc))
        except Exception as exc:
            if slack_unreachable(exc):
                fail(f"Slack could not be reached: {reason(exc)}", code=EXIT_UNAVAILABLE)
            if not isinstance(exc, SlackApiError):
                raise
            fail(f"Slack refused the digest: {exc.response.get('error')}")
    if not posted:
        fail(
            f"The {kind} digest of {project} for this period is claimed by another run (being "
            "posted, or stopped mid-way). Use --force to post another one now."
        )
    console.print(f"Posted the {kind} digest of {project}.", highlight=False)


def _period(sessions: SessionFactory, slug: str, kind: DigestKind, now: datetime) -> str:
    """The latest scheduled period, refused (exit 1) when its digest was already posted."""
    from bot.delivery.digests import already_posted
    from bot.projects.sync import project_spec
    from bot.scheduling.scheduler import current_period
    from storage.db import read_only
    from storage.projects import project_named

    with read_only(sessions) as session:
        found = project_named(session, slug)
        project_id, spec = found.id, project_spec(found)
    period = current_period(spec, kind, now)
    if already_posted(sessions, project_id, kind, period):
        fail(
            f"The {kind} digest of {slug} for {period} ({spec.digest.timezone}) was already "
            "posted. Use --force to post another one now."
        )
    return period
