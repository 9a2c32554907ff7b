"""Queries behind stats and digests: counts are aggregated in SQL (GROUP BY), and only the
answers a metric really needs (a bounded sample of complete items) are loaded as rows.

Datetimes passed in must be timezone-aware; they are compared in UTC, which is how every
timestamp is stored (SQLite keeps them as naive UTC text).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.metrics.records import AnswerValue
from storage.models import (
    Annotation,
    EdgeCase,
    FinalMethod,
    GuidelineFeedback,
    Item,
    ItemStatus,
    Review,
    ReviewStatus,
)

#: Complete items whose answers are loaded to compute agreement; above this, a deterministic
#: sample (every k-th item id) keeps a stats call well under two seconds at a million answers.
AGREEMENT_SAMPLE = 2_000


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("pass timezone-aware datetimes")
    return moment.astimezone(UTC)


def _current(project_id: int) -> list[ColumnElement[bool]]:
    return [Annotation.project_id == project_id, Annotation.superseded_at.is_(None)]


def remaining_answers(session: Session, project_id: int) -> int:
    """Sure answers that open items still need (items in review wait for a reviewer)."""
    missing = case(
        (Item.required_answers > Item.answer_count, Item.required_answers - Item.answer_count),
        else_=0,
    )
    value = session.scalar(
        select(func.coalesce(func.sum(missing), 0)).where(
            Item.project_id == project_id, Item.status == ItemStatus.OPEN
        )
    )
    return int(value or 0)


def gold_items(session: Session, project_id: int) -> int:
    count = session.scalar(
        select(func.count()).where(Item.project_id == project_id, Item.gold_answer.is_not(None))
    )
    return int(count or 0)


@dataclass(frozen=True)
class ReviewCounts:
    open: int
    resolved: int
    sent_back: int
    oldest_open: datetime | None


def review_counts(session: Session, project_id: int) -> ReviewCounts:
    rows = session.execute(
        select(Review.status, func.count(), func.min(Review.created_at))
        .where(Review.project_id == project_id)
        .group_by(Review.status)
    ).all()
    by_status = {ReviewStatus(status): (int(count), oldest) for status, count, oldest in rows}
    open_count, oldest = by_status.get(ReviewStatus.OPEN, (0, None))
    return ReviewCounts(
        open=open_count,
        resolved=by_status.get(ReviewStatus.RESOLVED, (0, None))[0],
        sent_back=by_status.get(ReviewStatus.SENT_BACK, (0, None))[0],
        oldest_open=oldest,
    )


def counts_between(
    session: Session,
    column: InstrumentedAttribute[Any],
    project_id: int,
    boundaries: Sequence[datetime],
) -> list[int]:
    """How many answers (or completed items) fall in each [boundaries[i], boundaries[i+1]).

    Boundaries are computed by the caller in the project's time zone, so days are local days
    on any database. Every answer given counts, changed ones included (it was work done that
    day), which lets one range scan of the (project, created_at) index do the counting.
    """
    edges = [_utc(moment) for moment in boundaries]
    if len(edges) < 2:
        return []
    model = column.class_
    scope = [model.project_id == project_id]
    if column is Annotation.created_at:
        # (project, created_at) is indexed: one index-only count per bucket is fastest.
        return [
            int(
                session.scalar(select(func.count()).where(*scope, column >= low, column < high))
                or 0
            )
            for low, high in zip(edges, edges[1:], strict=False)
        ]
    if len(edges) == 2:
        window = select(func.count()).where(*scope, column >= edges[0], column < edges[1])
        return [int(session.scalar(window) or 0)]
    bucket = case(
        *[(column < edge, index) for index, edge in enumerate(edges[1:-1])],
        else_=len(edges) - 2,
    ).label("bucket")
    inner = select(bucket).where(*scope, column >= edges[0], column < edges[-1]).subquery()
    counts = [0] * (len(edges) - 1)
    for index, count in session.execute(
        select(inner.c.bucket, func.count()).group_by(inner.c.bucket)
    ):
        counts[int(index)] = int(count)
    return counts


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
    today, week = _utc(today_start), _utc(week_start)
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
                    *_current(project_id),
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


class _Decoder:
    """JSON text to answer values, decoding each distinct text once."""

    def __init__(self) -> None:
        self._seen: dict[str, AnswerValue] = {}

    def __call__(self, raw: str | None) -> AnswerValue:
        if raw is None:
            return None
        value = self._seen.get(raw)
        if value is None:
            value = self._seen[raw] = json.loads(raw)
        return value


def gold_outcomes(
    session: Session,
    project_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    annotator: str | None = None,
) -> dict[str, list[tuple[AnswerValue, AnswerValue, int]]]:
    """Per annotator: (answer, gold answer, how often) for sure answers on gold items.

    Grouping on the JSON text leaves a handful of rows whatever the volume; the caller
    compares answers with `answer_key` (see `bot.stats.gold_accuracy_by_annotator`).
    """
    value_text, gold_text = cast(Annotation.value, Text), cast(Item.gold_answer, Text)
    # Driving from the (few) gold items' ids lets SQLite look answers up by item id
    # instead of joining every answer of the project to its item.
    gold_ids = select(Item.id).where(Item.project_id == project_id, Item.gold_answer.is_not(None))
    query = (
        select(Annotation.annotator, value_text, gold_text, func.count())
        .join(Item, Item.id == Annotation.item_id)
        .where(
            Annotation.item_id.in_(gold_ids),
            *_current(project_id),
            Annotation.unsure.is_(False),
            Annotation.value.is_not(None),
        )
        .group_by(Annotation.annotator, value_text, gold_text)
    )
    if since is not None:
        query = query.where(Annotation.created_at >= _utc(since))
    if until is not None:
        query = query.where(Annotation.created_at < _utc(until))
    if annotator is not None:
        query = query.where(Annotation.annotator == annotator)
    decode = _Decoder()
    outcomes: dict[str, list[tuple[AnswerValue, AnswerValue, int]]] = {}
    for who, value, gold, count in session.execute(query):
        outcomes.setdefault(str(who), []).append((decode(value), decode(gold), int(count)))
    return outcomes


@dataclass(frozen=True)
class AgreementSample:
    """Sure answers on complete items (item -> annotator -> value) and adjudicated labels.

    `population` complete items matched; when more than the sample limit did, only every
    `stride`-th item id is loaded and `sampled` is True.
    """

    values: dict[int, dict[str, AnswerValue]]
    adjudicated: dict[int, AnswerValue]
    population: int
    sampled: bool


def agreement_sample(
    session: Session,
    project_id: int,
    *,
    completed_from: datetime | None = None,
    completed_to: datetime | None = None,
    limit: int | None = None,
) -> AgreementSample:
    """Answers on complete items (completed in the window, if given), sampled above `limit`
    (default `AGREEMENT_SAMPLE`)."""
    limit = AGREEMENT_SAMPLE if limit is None else limit
    conditions: list[ColumnElement[bool]] = [
        Item.project_id == project_id,
        Item.status == ItemStatus.COMPLETE,
    ]
    if completed_from is not None:
        conditions.append(Item.completed_at >= _utc(completed_from))
    if completed_to is not None:
        conditions.append(Item.completed_at < _utc(completed_to))
    population = int(session.scalar(select(func.count()).where(*conditions)) or 0)
    sampled = population > limit
    if sampled:
        conditions.append(Item.id % math.ceil(population / limit) == 0)
    decode = _Decoder()
    values: dict[int, dict[str, AnswerValue]] = {}
    answers = (
        select(Annotation.item_id, Annotation.annotator, cast(Annotation.value, Text))
        .join(Item, Item.id == Annotation.item_id)
        .where(
            *conditions,
            Annotation.superseded_at.is_(None),
            Annotation.unsure.is_(False),
            Annotation.value.is_not(None),
        )
        .execution_options(yield_per=5_000)
    )
    for item_id, annotator, raw in session.execute(answers):
        values.setdefault(int(item_id), {})[str(annotator)] = decode(raw)
    adjudicated_rows = session.execute(
        select(Item.id, cast(Item.final_label, Text)).where(
            *conditions,
            Item.final_method == FinalMethod.ADJUDICATED,
            Item.final_label.is_not(None),
        )
    )
    adjudicated = {int(item_id): decode(raw) for item_id, raw in adjudicated_rows}
    return AgreementSample(values, adjudicated, population, sampled)


def edge_cases_since(
    session: Session, project_id: int, since: datetime, *, latest: int = 3
) -> tuple[int, list[str]]:
    """Edge cases marked since `since`, and what makes the latest ones hard."""
    window = [EdgeCase.project_id == project_id, EdgeCase.created_at >= _utc(since)]
    count = session.scalar(select(func.count()).select_from(EdgeCase).where(*window))
    texts = session.scalars(
        select(EdgeCase.what_makes_it_hard)
        .where(*window)
        .order_by(EdgeCase.created_at.desc())
        .limit(latest)
    )
    return int(count or 0), list(texts)


def feedback_since(
    session: Session, project_id: int, since: datetime, *, latest: int = 3
) -> tuple[int, list[str]]:
    """Guideline feedback received since `since`, and the latest notes."""
    window = [
        GuidelineFeedback.project_id == project_id,
        GuidelineFeedback.created_at >= _utc(since),
    ]
    count = session.scalar(select(func.count()).select_from(GuidelineFeedback).where(*window))
    texts = session.scalars(
        select(GuidelineFeedback.text)
        .where(*window)
        .order_by(GuidelineFeedback.created_at.desc())
        .limit(latest)
    )
    return int(count or 0), list(texts)


def answer_times(
    session: Session, project_id: int, since: datetime, until: datetime
) -> Iterator[tuple[str, int, datetime]]:
    """Every answer given in [since, until), superseded ones included (the work was done),
    as (annotator, item id, time), ordered by annotator and time, streamed in batches."""
    query = (
        select(Annotation.annotator, Annotation.item_id, Annotation.created_at)
        .where(
            Annotation.project_id == project_id,
            Annotation.created_at >= _utc(since),
            Annotation.created_at < _utc(until),
        )
        .order_by(Annotation.annotator, Annotation.created_at)
        .execution_options(yield_per=10_000)
    )
    for annotator, item_id, created_at in session.execute(query):
        yield str(annotator), int(item_id), created_at
