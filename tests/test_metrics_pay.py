"""Pay rules: money and hours rounded half-up, and when the bonus is earned (bot/metrics/pay.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.metrics import Accuracy
from bot.metrics.pay import BonusRule, BonusStanding, base_pay, billed_hours, money

RULE = BonusRule(per_answer=Decimal("0.05"), min_answers=200, min_quality=Decimal("0.9"))


def standing(answers: int, correct: int, scored: int, rule: BonusRule = RULE) -> BonusStanding:
    return BonusStanding(rule, answers, Accuracy(correct, scored))


def test_money_rounds_half_up_to_cents() -> None:
    assert money(Decimal("6.465")) == Decimal("6.47")  # half-even would give 6.46
    assert money(Decimal("6.4649")) == Decimal("6.46")
    assert str(money(Decimal(0))) == "0.00"


def test_hours_are_rounded_half_up_to_hundredths_and_pay_is_computed_from_them() -> None:
    assert billed_hours(timedelta(seconds=18)) == Decimal("0.01")  # 0.005 h
    assert billed_hours(timedelta(seconds=17.9)) == Decimal("0.00")
    # 1275 s is 0.3541… h, billed 0.35 h: 0.35 × 18.50 = 6.475, paid 6.48.
    assert base_pay(timedelta(seconds=1275), Decimal("18.50")) == Decimal("6.48")


def test_the_bonus_is_per_answer_once_both_bars_are_reached() -> None:
    earned = standing(answers=240, correct=216, scored=240)  # exactly 90%

    assert earned.earned and earned.amount == Decimal("12.00")  # 240 × 0.05


def test_quality_just_under_the_bar_earns_nothing_however_many_answers() -> None:
    short = standing(answers=1000, correct=899, scored=1000)

    assert not short.quality_met and short.amount == Decimal("0.00")
    assert short.answers_short == 0


def test_too_few_answers_earn_nothing_however_accurate() -> None:
    few = standing(answers=188, correct=50, scored=50)

    assert few.answers_short == 12 and few.quality_met and not few.earned


def test_without_scored_answers_only_a_zero_quality_bar_is_met() -> None:
    volume_only = BonusRule(Decimal("0.005"), min_answers=0, min_quality=Decimal(0))

    assert not standing(300, 0, 0).quality_met
    assert standing(3, 0, 0, volume_only).earned
    assert standing(3, 0, 0, volume_only).amount == Decimal("0.02")  # 0.015 rounded half-up
