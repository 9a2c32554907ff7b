"""How far a project has got, how fast it moves, and when it will be done."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from statistics import fmean

from bot.metrics.records import (
    STATUS_OPEN,
    AnswerRecord,
    ItemRecord,
    ReviewRecord,
    as_aware,
    local_date,
)


@dataclass(frozen=True)
class ProgressSummary:
    """A snapshot of the project: items per status, answers, and the review backlog.

    `remaining_answers` counts the (non-unsure) answers open items still need; items waiting
    in review need a reviewer instead and are not included.
    """

    items_by_status: dict[str, int]
    items: int
    complete: int
    answers: int
    remaining_answers: int
    review_queue: int
    oldest_review_age: timedelta | None


@dataclass(frozen=True)
class DayThroughput:
    """Answers given and items completed on one calendar day."""

    day: date
    answers: int
    completions: int


@dataclass(frozen=True)
class Pace:
    """Mean answers and completions per day over a run of days."""

    answers_per_day: float
    completions_per_day: float


@dataclass(frozen=True)
class Eta:
    """When the remaining work should be done at the recent pace.

    Every field but `remaining` is None when there is no pace to extrapolate from;
    `on_track` is also None without a deadline.
    """

    remaining: int
    days_needed: float | None
    expected_date: date | None
    on_track: bool | None


def progress_summary(
    items: Iterable[ItemRecord],
    answers: Iterable[AnswerRecord],
    reviews: Iterable[ReviewRecord],
    now: datetime,
) -> ProgressSummary:
    """Counts for the project dashboard; the review queue is the reviews not yet resolved."""
    all_items = list(items)
    all_answers = list(answers)
    by_status = Counter(str(item.status) for item in all_items)
    given = Counter(answer.item_id for answer in all_answers if not answer.unsure)
    remaining = sum(
        max(0, item.required_answers - given[item.item_id])
        for item in all_items
        if item.status == STATUS_OPEN
    )
    waiting = [as_aware(review.created_at) for review in reviews if review.resolved_at is None]
    return ProgressSummary(
        items_by_status=dict(by_status),
        items=len(all_items),
        complete=sum(item.is_complete for item in all_items),
        answers=len(all_answers),
        remaining_answers=remaining,
        review_queue=len(waiting),
        oldest_review_age=as_aware(now) - min(waiting) if waiting else None,
    )


def daily_throughput(
    answers: Iterable[AnswerRecord],
    items: Iterable[ItemRecord],
    tz: tzinfo,
    today: date,
    days: int = 7,
) -> list[DayThroughput]:
    """Answers and completions on each of the `days` calendar days ending with `today`
    (oldest first, quiet days included as zeros), with days as seen in time zone `tz`."""
    first = today - timedelta(days=days - 1)
    answered = Counter(local_date(answer.created_at, tz) for answer in answers)
    completed = Counter(
        local_date(item.completed_at, tz) for item in items if item.completed_at is not None
    )
    calendar = (first + timedelta(days=offset) for offset in range(days))
    return [DayThroughput(day, answered[day], completed[day]) for day in calendar]


def pace(throughput: Sequence[DayThroughput]) -> Pace:
    """Mean per day over the given days. Pass only finished days to avoid a low reading
    early in the morning, when today has barely started."""
    if not throughput:
        return Pace(0.0, 0.0)
    return Pace(
        answers_per_day=fmean(day.answers for day in throughput),
        completions_per_day=fmean(day.completions for day in throughput),
    )


def eta(remaining: int, rate_per_day: float, deadline: date | None, today: date) -> Eta:
    """Extrapolate the recent pace: `remaining` answers (or items) at `rate_per_day` of the same.

    The expected date is the day the last unit lands, rounding partial days up; the project is
    on track when that day is no later than the deadline.
    """
    if remaining <= 0:
        return Eta(0, 0.0, today, None if deadline is None else True)
    if rate_per_day <= 0:
        return Eta(remaining, None, None, None)
    days_needed = remaining / rate_per_day
    expected = today + timedelta(days=math.ceil(days_needed))
    on_track = None if deadline is None else expected <= deadline
    return Eta(remaining, days_needed, expected, on_track)
