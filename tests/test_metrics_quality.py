"""The quality flag: pooled evidence, and only when the evidence is clear."""

from __future__ import annotations

import pytest

from bot.metrics.quality import is_low_quality, pooled, wilson_upper
from bot.metrics.records import Accuracy


def test_quality_pools_gold_answers_and_answers_on_decided_items() -> None:
    assert pooled(Accuracy(18, 20), Accuracy(3, 5)) == Accuracy(21, 25)


def test_the_wilson_upper_bound_matches_the_textbook_value() -> None:
    # 8 of 20: the 95% Wilson interval is (0.219, 0.613).
    assert wilson_upper(Accuracy(8, 20)) == pytest.approx(0.6134, abs=1e-4)
    assert wilson_upper(Accuracy(0, 0)) is None
    assert wilson_upper(Accuracy(20, 20)) == 1.0


def test_a_spammer_is_flagged_once_there_is_enough_evidence() -> None:
    assert not is_low_quality(Accuracy(3, 10)), "ten scored answers are too few"
    assert is_low_quality(Accuracy(7, 20))


@pytest.mark.parametrize("correct", [14, 15, 16])
def test_an_honest_annotator_near_the_bar_is_not_flagged_by_noise(correct: int) -> None:
    """Around 70% over 20 answers: the interval reaches well above 0.7."""
    assert not is_low_quality(Accuracy(correct, 20))


def test_clear_shortfalls_are_flagged_at_volume() -> None:
    assert is_low_quality(Accuracy(55, 100))
    assert not is_low_quality(Accuracy(65, 100))
