"""Per-annotator figures behind stats and timesheets: answer counts (aggregated in SQL),
median answer time over each person's latest answers, and answer times for active hours.

Datetimes passed in must be timezone-aware (see `storage.stats_scope`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Annotation
from storage.stats_scope import as_utc, current_answers


@dataclass(frozen=True)
class AnnotatorCounts:
    """`answers` and `unsure` are current answers; `today` and `last_7_days` count every
    answer given in those days, changed ones included."""

    annotator: str
    answers: int
    today: int
    last_7_days: int
    unsure: int


def annotator_counts(
    session: Session,
    project_id: int,
    *,
    today_start: datetime,
    week_start: datetime,
    annotator: str | None = None,
) -> list[AnnotatorCounts]:
    """Per-annotator counts, busiest first (ties by id), in two aggregate queries.

    The first reads only the (project, annotator, created_at) index; the second subtracts
    superseded answers and counts unsure ones, grouping only the (rare) rows that are either.
    """
    today, week = as_utc(today_start), as_utc(week_start)
    scope = [Annotation.project_id == project_id]
    if annotator is not None:
        scope.append(Annotation.annotator == annotator)
    given = session.execute(
        select(
            Annotation.annotator,
            func.count(),
            func.sum(case((Annotation.created_at >= today, 1), else_=0)),
            func.sum(case((Annotation.created_at >= week, 1), else_=0)),
        )
        .where(*scope)
        .group_by(Annotation.annotator)
    ).all()
    superseded = Annotation.superseded_at.is_not(None)
    current_unsure = and_(Annotation.superseded_at.is_(None), Annotation.unsure.is_(True))
    adjustments = {
        str(who): (int(old or 0), int(unsure or 0))
        for who, old, unsure in session.execute(
            select(
                Annotation.annotator,
                func.sum(case((superseded, 1), else_=0)),
                func.sum(case((current_unsure, 1), else_=0)),
            )
            .where(
                *_scan_scope(session, project_id, annotator),
                or_(superseded, Annotation.unsure.is_(True)),
            )
            .group_by(Annotation.annotator)
        )
    }
    rows = []
    for who, count, on_day, in_week in given:
        old, unsure = adjustments.get(str(who), (0, 0))
        if int(count) > old:
            rows.append(
                AnnotatorCounts(str(who), int(count) - old, int(on_day), int(in_week), unsure)
            )
    return sorted(rows, key=lambda row: (-row.answers, row.annotator))


def _scan_scope(
    session: Session, project_id: int, annotator: str | None
) -> list[ColumnElement[bool]]:
    """Conditions for a query that reads most of a project's answers from the table itself.

    For a whole project, SQLite would otherwise walk the (project, annotator) index and fetch
    each row from it, about eight times slower than scanning the table: `project_id + 0`
    makes that index unusable. PostgreSQL's planner chooses well on its own.
    """
    if annotator is not None:
        return [Annotation.project_id == project_id, Annotation.annotator == annotator]
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return [Annotation.project_id + 0 == project_id]
    return [Annotation.project_id == project_id]


#: Medians are taken over each annotator's latest answers: an index range per annotator
#: instead of sorting every answer, and it tracks their current speed.
MEDIAN_WINDOW = 500


def median_seconds(
    session: Session, project_id: int, annotators: Sequence[str], window: int = MEDIAN_WINDOW
) -> dict[str, float]:
    """Each annotator's median answer time over their latest `window` timed answers."""
    medians = {}
    for who in annotators:
        timings = sorted(
            seconds
            for seconds in session.scalars(
                select(Annotation.seconds)
                .where(
                    *current_answers(project_id),
                    Annotation.annotator == who,
                    Annotation.seconds.is_not(None),
                )
                .order_by(Annotation.created_at.desc())
                .limit(window)
            )
            if seconds is not None
        )
        if timings:
            medians[who] = statistics.median(timings)
    return medians


def answer_times(
    session: Session,
    project_id: int,
    since: datetime,
    until: datetime,
    annotator: str | None = None,
) -> Iterator[tuple[str, int, datetime, float | None]]:
    """Every answer given in [since, until), superseded ones included (the work was done),
    as (annotator, item id, time, seconds its card was open), ordered by annotator and time,
    streamed in batches; only `annotator`'s when given."""
    scope = [
        Annotation.project_id == project_id,
        Annotation.created_at >= as_utc(since),
        Annotation.created_at < as_utc(until),
    ]
    if annotator is not None:
        scope.append(Annotation.annotator == annotator)
    query = (
        select(Annotation.annotator, Annotation.item_id, Annotation.created_at, Annotation.seconds)
        .where(*scope)
        .order_by(Annotation.annotator, Annotation.created_at)
        .execution_options(yield_per=10_000)
    )
    for who, item_id, created_at, seconds in session.execute(query):
        yield str(who), int(item_id), created_at, None if seconds is None else float(seconds)
