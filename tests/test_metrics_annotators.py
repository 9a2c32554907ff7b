"""Per-annotator figures: volume by local day, speed, active time, gold and final-label quality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.metrics import (
    AnswerRecord,
    AnswerValue,
    ItemRecord,
    active_time,
    agreement_with_final,
    annotator_stats,
    gold_accuracy,
    median_seconds,
    unsure_rate,
)

NOW = datetime(2024, 3, 11, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")  # UTC-4 on 11 March 2024 (summer time began the 10th)
T0 = datetime(2024, 3, 11, 9, 0, tzinfo=UTC)


def answer(
    item_id: int,
    who: str,
    value: AnswerValue,
    when: datetime = NOW,
    unsure: bool = False,
    seconds: float | None = None,
) -> AnswerRecord:
    return AnswerRecord(item_id, who, value, unsure, seconds, when)


def item(
    item_id: int, final: AnswerValue = None, gold: AnswerValue = None, status: str = "complete"
) -> ItemRecord:
    return ItemRecord(item_id, status, final, "consensus", gold, None, 2, NOW)


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


def test_gold_accuracy_is_none_without_answers_on_gold_items() -> None:
    items = {1: item(1, final="spam")}
    result = gold_accuracy([answer(1, "ann", "spam")], items)
    assert result.value is None and result.scored == 0


def test_gold_accuracy_scores_decided_answers_on_gold_items() -> None:
    items = {1: item(1, gold="spam"), 2: item(2, gold=["a", "b"]), 3: item(3, gold="ham")}
    answers = [
        answer(1, "ann", "Spam"),
        answer(2, "ann", ["b", "a"]),
        answer(3, "ann", "spam"),
        answer(3, "ann", None, unsure=True),
    ]
    result = gold_accuracy(answers, items)
    assert (result.correct, result.scored) == (2, 3)
    assert result.value == pytest.approx(2 / 3)


def test_agreement_with_final_counts_only_completed_items() -> None:
    items = {1: item(1, final="spam"), 2: item(2, final="ham"), 3: item(3, status="open")}
    answers = [answer(1, "ann", "spam"), answer(2, "ann", "spam"), answer(3, "ann", "spam")]
    assert agreement_with_final(answers, items) == pytest.approx(0.5)
    assert agreement_with_final([], items) is None


def test_median_seconds_and_unsure_rate() -> None:
    answers = [
        answer(1, "ann", "a", seconds=4.0),
        answer(2, "ann", "a", seconds=10.0),
        answer(3, "ann", None, unsure=True, seconds=3600.0),
        answer(4, "ann", "a"),
    ]
    assert median_seconds(answers) == pytest.approx(10.0)
    assert unsure_rate(answers) == pytest.approx(0.25)
    assert median_seconds([]) is None and unsure_rate([]) is None


def test_annotator_stats_count_days_in_the_annotators_time_zone() -> None:
    answers = [
        answer(1, "ann", "spam", when=datetime(2024, 3, 11, 14, tzinfo=UTC)),  # 10:00 today
        answer(2, "ann", "ham", when=datetime(2024, 3, 11, 2, tzinfo=UTC)),  # 22:00 yesterday
        answer(3, "ann", "spam", when=datetime(2024, 3, 5, 5, tzinfo=UTC)),  # 6 days ago
        answer(4, "ann", "spam", when=datetime(2024, 3, 4, 3, tzinfo=UTC)),  # 8 days ago
        answer(1, "bob", None, unsure=True),
    ]
    items = [item(1, final="spam", gold="spam"), item(2, final="spam"), item(3), item(4)]
    stats = annotator_stats(answers, items, NOW, NEW_YORK)
    assert [s.annotator for s in stats] == ["ann", "bob"]
    ann, bob = stats
    assert (ann.answers_today, ann.answers_last_7_days, ann.answers_total) == (1, 3, 4)
    assert ann.gold.value == pytest.approx(1.0)
    assert ann.agreement_with_final == pytest.approx(0.5)
    assert ann.unsure_rate == 0.0
    assert bob.unsure_rate == 1.0
    assert bob.gold.value is None and bob.agreement_with_final is None
