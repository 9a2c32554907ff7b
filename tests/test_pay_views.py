"""Pay in words: how far a person is from the bonus, and the terms under a timesheet."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.metrics import Accuracy
from bot.metrics.pay import PayTerms
from bot.reports.timesheet import MonthSheet, TimesheetRow
from bot.views.pay import bonus_progress, bonus_terms, floor_percent, month_text, share
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


def month(terms: PayTerms, pay_declared: bool = True) -> MonthSheet:
    """Someone's 2–30 November: 1 h 30 min of work, 40 of 50 scored answers correct."""
    row = TimesheetRow(
        annotator="U0ANNA0001",
        items=60,
        answers=61,
        active=timedelta(minutes=90),
        agreement=Accuracy(35, 44),
        gold=Accuracy(5, 6),
        terms=terms,
    )
    return MonthSheet(date(2026, 11, 2), date(2026, 11, 30), "Europe/Berlin", row, pay_declared)


def test_my_month_without_a_bonus_shows_hours_and_base_pay_only() -> None:
    text = month_text(month(PayTerms(Decimal("12.40"), "GBP", None)))

    assert text == (
        "*This month* (2–30 Nov 2026, Europe/Berlin): 61 answers on 60 items · 1.50 h active · "
        "quality 80% (50 scored: 44 against decided labels, 6 gold)\n"
        "Pay: 1.50 h × 12.40 GBP = *18.60 GBP*"
    )


def test_my_month_in_a_project_that_declares_no_pay_shows_no_money() -> None:
    text = month_text(month(PayTerms(Decimal(15), "", None), pay_declared=False))

    assert "1.50 h active" in text and "Pay" not in text and "15" not in text
