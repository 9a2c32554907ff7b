"""Project-wide counts behind stats and digests, aggregated in SQL (COUNT, SUM, GROUP BY) so
no answer is loaded as a row: work left, gold items, reviews, answers or completions per
period, and recent edge cases and guideline feedback.

Datetimes passed in must be timezone-aware (see `storage.stats_scope`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import (
    Annotation,
    EdgeCase,
    GuidelineFeedback,
    Item,
    ItemStatus,
    Review,
    ReviewStatus,
)
from storage.stats_scope import as_utc
from storage.values import AnswerValue


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
    """Reviews by status, and how many distinct items ever went to a lead. Of the open reviews,
    `open_holding` hold their item for a lead (it is in review); the others are Unsure flags on
    items still being labeled or already decided."""

    open: int
    resolved: int
    sent_back: int
    oldest_open: datetime | None
    items_reviewed: int = 0
    open_holding: int = 0

    @property
    def open_flags(self) -> int:
        return self.open - self.open_holding


def review_counts(session: Session, project_id: int) -> ReviewCounts:
    rows = session.execute(
        select(Review.status, func.count(), func.min(Review.created_at))
        .where(Review.project_id == project_id)
        .group_by(Review.status)
    ).all()
    by_status = {ReviewStatus(status): (int(count), oldest) for status, count, oldest in rows}
    open_count, oldest = by_status.get(ReviewStatus.OPEN, (0, None))
    reviewed = session.scalar(
        select(func.count(func.distinct(Review.item_id))).where(Review.project_id == project_id)
    )
    holding = session.scalar(
        select(func.count())
        .select_from(Review)
        .join(Item, Item.id == Review.item_id)
        .where(
            Review.project_id == project_id,
            Review.status == ReviewStatus.OPEN,
            Item.status == ItemStatus.IN_REVIEW,
        )
    )
    return ReviewCounts(
        open=open_count,
        resolved=by_status.get(ReviewStatus.RESOLVED, (0, None))[0],
        sent_back=by_status.get(ReviewStatus.SENT_BACK, (0, None))[0],
        oldest_open=oldest,
        items_reviewed=int(reviewed or 0),
        open_holding=int(holding or 0),
    )


def decided_labels(session: Session, project_id: int) -> list[tuple[AnswerValue, int]]:
    """(decided label, how many items carry it): grouped on the stored JSON text, a handful of
    rows whatever the project's size."""
    text = cast(Item.final_label, Text)
    rows = session.execute(
        select(text, func.count())
        .where(Item.project_id == project_id, Item.final_method.is_not(None))
        .group_by(text)
    )
    return [(json.loads(raw) if raw is not None else None, int(n)) for raw, n in rows]


def decided_answers(session: Session, project_id: int) -> tuple[int, int]:
    """(decided items, their current sure answers): answers it took to decide an item."""
    decided = Item.final_method.is_not(None)
    items = session.scalar(select(func.count()).where(Item.project_id == project_id, decided))
    answers = session.scalar(
        select(func.coalesce(func.sum(Item.answer_count), 0)).where(
            Item.project_id == project_id, decided
        )
    )
    return int(items or 0), int(answers or 0)


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
    edges = [as_utc(moment) for moment in boundaries]
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


def edge_cases_since(
    session: Session, project_id: int, since: datetime, *, latest: int = 3
) -> tuple[int, list[str]]:
    """Edge cases marked since `since`, and what makes the latest ones hard."""
    window = [EdgeCase.project_id == project_id, EdgeCase.created_at >= as_utc(since)]
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
        GuidelineFeedback.created_at >= as_utc(since),
    ]
    count = session.scalar(select(func.count()).select_from(GuidelineFeedback).where(*window))
    texts = session.scalars(
        select(GuidelineFeedback.text)
        .where(*window)
        .order_by(GuidelineFeedback.created_at.desc())
        .limit(latest)
    )
    return int(count or 0), list(texts)
