"""How far a project has got, how fast it moves, and when it will be done."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean


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
