"""Project progress, daily throughput in the team's time zone, and the ETA against a deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.metrics import (
    AnswerRecord,
    DayThroughput,
    ItemRecord,
    ReviewRecord,
    daily_throughput,
    eta,
    pace,
    progress_summary,
)

NOW = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in March 2024 (before summer time)


def item(
    item_id: int, status: str, required: int = 2, completed_at: datetime | None = None
) -> ItemRecord:
    return ItemRecord(item_id, status, None, None, None, None, required, NOW, completed_at)


def answer(item_id: int, when: datetime, unsure: bool = False) -> AnswerRecord:
    return AnswerRecord(item_id, "ann", "x", unsure, 4.0, when)


def test_progress_summary_counts_items_answers_and_the_review_backlog() -> None:
    items = [
        item(1, "open"),
        item(2, "open", required=3),
        item(3, "in_review"),
        item(4, "complete"),
    ]
    answers = [answer(1, NOW), answer(2, NOW), answer(2, NOW, unsure=True), answer(4, NOW)]
    reviews = [
        ReviewRecord(3, "disagreement", NOW - timedelta(hours=5)),
        ReviewRecord(3, "unsure", NOW - timedelta(hours=30), resolved_at=NOW),
        ReviewRecord(2, "manual", (NOW - timedelta(hours=2)).replace(tzinfo=None)),
    ]
    summary = progress_summary(items, answers, reviews, NOW)
    assert summary.items_by_status == {"open": 2, "in_review": 1, "complete": 1}
    assert (summary.items, summary.complete, summary.answers) == (4, 1, 4)
    assert summary.remaining_answers == 1 + 2  # unsure answers do not count towards completion
    assert summary.review_queue == 2
    assert summary.oldest_review_age == timedelta(hours=5)


def test_progress_summary_of_an_empty_project() -> None:
    summary = progress_summary([], [], [], NOW)
    assert summary.items == 0 and summary.review_queue == 0
    assert summary.oldest_review_age is None


def test_daily_throughput_uses_calendar_days_in_the_given_time_zone() -> None:
    late_evening_utc = datetime(2024, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Berlin
    answers = [answer(1, late_evening_utc), answer(2, datetime(2024, 3, 9, 10, tzinfo=UTC))]
    items = [item(1, "complete", completed_at=late_evening_utc), item(2, "open")]
    days = daily_throughput(answers, items, BERLIN, today=date(2024, 3, 11), days=3)
    assert days == [
        DayThroughput(date(2024, 3, 9), 1, 0),
        DayThroughput(date(2024, 3, 10), 0, 0),
        DayThroughput(date(2024, 3, 11), 1, 1),
    ]
    utc_days = daily_throughput(answers, items, UTC, today=date(2024, 3, 11), days=3)
    assert utc_days[1] == DayThroughput(date(2024, 3, 10), 1, 1)


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
