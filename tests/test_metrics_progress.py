"""The pace of the last days and the ETA against a deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.metrics import DayThroughput, eta, pace

NOW = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in March 2024 (before summer time)


def test_pace_is_the_mean_per_day_including_quiet_days() -> None:
    days = [
        DayThroughput(date(2024, 3, d), a, c) for d, a, c in [(1, 30, 10), (2, 0, 0), (3, 15, 5)]
    ]
    result = pace(days)
    assert result.answers_per_day == pytest.approx(15.0)
    assert result.completions_per_day == pytest.approx(5.0)
    assert pace([]).answers_per_day == 0.0


def test_eta_is_on_track_when_the_pace_finishes_before_the_deadline() -> None:
    result = eta(100, 30.0, deadline=date(2024, 3, 15), today=date(2024, 3, 11))
    assert result.days_needed == pytest.approx(100 / 30)
    assert result.expected_date == date(2024, 3, 15)  # 3.33 days, rounded up to 4
    assert result.on_track is True


def test_eta_is_late_when_the_pace_misses_the_deadline() -> None:
    result = eta(100, 10.0, deadline=date(2024, 3, 15), today=date(2024, 3, 11))
    assert result.expected_date == date(2024, 3, 21)
    assert result.on_track is False


def test_eta_has_no_date_without_a_pace() -> None:
    result = eta(100, 0.0, deadline=date(2024, 3, 15), today=date(2024, 3, 11))
    assert (result.days_needed, result.expected_date, result.on_track) == (None, None, None)


def test_eta_without_a_deadline_gives_a_date_but_no_verdict() -> None:
    result = eta(10, 5.0, deadline=None, today=date(2024, 3, 11))
    assert result.expected_date == date(2024, 3, 13)
    assert result.on_track is None


def test_eta_of_finished_work_is_today() -> None:
    result = eta(0, 0.0, deadline=date(2024, 3, 15), today=date(2024, 3, 11))
    assert (result.days_needed, result.expected_date, result.on_track) == (
        0.0,
        date(2024, 3, 11),
        True,
    )
