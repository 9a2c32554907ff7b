"""Pay in words: how far a person is from the bonus, and the terms under a timesheet."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.metrics import Accuracy
from bot.metrics.pay import PayTerms
from bot.views.pay import bonus_progress, bonus_terms, floor_percent, share
from tests.test_metrics_pay import RULE, standing


def test_bonus_progress_says_how_far_a_person_is_from_the_bonus() -> None:
    assert bonus_progress(standing(188, 43, 50), "EUR") == (
        "12 more answers and quality ≥ 90% (now 86% of 50 scored) to earn 0.05 EUR per answer."
    )
    assert bonus_progress(standing(199, 50, 50), "EUR") == (
        "1 more answer to earn 0.05 EUR per answer."
    )
    assert bonus_progress(standing(250, 0, 0), "EUR") == (
        "quality ≥ 90% (none of your answers scored yet) to earn 0.05 EUR per answer."
    )


def test_bonus_progress_once_earned_says_how_much_and_that_quality_must_hold() -> None:
    assert bonus_progress(standing(240, 216, 240), "USD") == (
        ":white_check_mark: Bonus earned so far: 240 × 0.05 USD = 12.00 USD "
        "(quality 90% of 240 scored; it must stay ≥ 90%)."
    )


@pytest.mark.parametrize(
    ("correct", "scored", "shown"), [(896, 1000, "89%"), (9, 10, "90%"), (0, 0, "n/a")]
)
def test_a_quality_just_under_a_bar_never_reads_as_reaching_it(
    correct: int, scored: int, shown: str
) -> None:
    assert floor_percent(Accuracy(correct, scored)) == shown


def test_bars_and_terms_read_plainly() -> None:
    assert (share(Decimal("0.9")), share(Decimal("0.875")), share(Decimal(1))) == (
        "90%",
        "87.5%",
        "100%",
    )
    assert bonus_terms(PayTerms(Decimal(15), "", None)) == "No bonus."
    assert bonus_terms(PayTerms(Decimal(15), "GBP", RULE)) == (
        "Bonus: 0.05 GBP per answer in the period, with at least 200 answers and quality ≥ 90%."
    )
