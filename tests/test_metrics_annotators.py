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


def test_active_time_caps_long_gaps_and_floors_quick_answers() -> None:
    stamps = [
        T0,
        T0 + timedelta(seconds=60),  # 60 s of work
        T0 + timedelta(hours=2),  # a break: capped at 5 min
        T0 + timedelta(hours=2, seconds=30),  # 30 s
        T0 + timedelta(hours=2, seconds=32),  # 2 s, floored to 5 s
    ]
    shuffled = [stamps[3], stamps[0], stamps[4], stamps[2], stamps[1]]
    expected = timedelta(seconds=5 + 60 + 300 + 30 + 5)  # the first answer gets the floor
    assert active_time(shuffled, timedelta(minutes=5), timedelta(seconds=5)) == expected


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
