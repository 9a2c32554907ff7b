"""Active time: what a timesheet bills from answer times and card times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.metrics import active_time

NOW = datetime(2024, 3, 11, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")  # UTC-4 on 11 March 2024 (summer time began the 10th)
T0 = datetime(2024, 3, 11, 9, 0, tzinfo=UTC)


def test_active_time_bills_steady_work_by_gap_and_a_restart_by_its_card_time() -> None:
    stamps = [
        (T0, 40.0),  # first answer: its card was open 40 s
        (T0 + timedelta(seconds=60), 55.0),  # 60 s since the previous answer
        (T0 + timedelta(hours=2), 90.0),  # after a break: its 90 s of card time, not 5 min
        (T0 + timedelta(hours=2, seconds=30), 28.0),  # 30 s
        (T0 + timedelta(hours=2, seconds=32), 2.0),  # 2 s, floored to 5 s
    ]
    shuffled = [stamps[3], stamps[0], stamps[4], stamps[2], stamps[1]]
    expected = timedelta(seconds=40 + 60 + 90 + 30 + 5)
    assert active_time(shuffled, timedelta(minutes=5), timedelta(seconds=5)) == expected


def test_an_isolated_answer_is_billed_its_card_time_capped_and_floored() -> None:
    cap, floor = timedelta(minutes=5), timedelta(seconds=5)
    assert active_time([(T0, 72.5)], cap, floor) == timedelta(seconds=72.5)
    assert active_time([(T0, 8 * 3600.0)], cap, floor) == cap  # card left open overnight
    assert active_time([(T0, 1.0)], cap, floor) == floor
    assert active_time([(T0, None)], cap, floor) == floor  # imported: no card time recorded


def test_a_gap_of_exactly_the_idle_cap_is_still_steady_work() -> None:
    at_cap = [(T0, 10.0), (T0 + timedelta(minutes=5), 10.0)]
    past_cap = [(T0, 10.0), (T0 + timedelta(minutes=5, seconds=1), 10.0)]
    assert active_time(at_cap) == timedelta(seconds=10 + 300)
    assert active_time(past_cap) == timedelta(seconds=10 + 10)


def test_answers_given_at_the_same_instant_bill_the_same_whatever_their_order() -> None:
    same = [(T0, 100.0), (T0, 7.0), (T0, None)]
    # The shortest card time starts the run (None counts as 0 s, floored to 5 s); the rest
    # are 0 s gaps floored to 5 s.
    assert active_time(same) == active_time(list(reversed(same))) == timedelta(seconds=15)


def test_active_time_of_no_answers_is_zero() -> None:
    assert active_time([]) == timedelta(0)
