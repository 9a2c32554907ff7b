"""What an annotator is owed for a period: active hours at an hourly rate, plus a bonus per
answer for accurate, high-volume work (docs/stats.md, "Pay").

Money is `Decimal`, never float, so the printed figures add up exactly: hours are rounded
half-up to 2 decimals and pay is computed from those printed hours, so anyone can check a
line of the timesheet by hand; each amount is rounded half-up to cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.metrics.records import Accuracy

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def money(amount: Decimal) -> Decimal:
    """An amount rounded half-up to cents (2 decimals, whatever the currency)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def billed_hours(active: timedelta) -> Decimal:
    """Active time in hours, rounded half-up to 2 decimals (36 seconds): the figure printed
    and the one pay is computed from."""
    microseconds = Decimal(active // timedelta(microseconds=1))
    return (microseconds / _MICROSECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


def base_pay(active: timedelta, rate: Decimal) -> Decimal:
    return money(billed_hours(active) * rate)


@dataclass(frozen=True)
class BonusRule:
    """`per_answer` for every answer in a period with at least `min_answers` answers and
    pooled quality of at least `min_quality` (a share, 0 to 1)."""

    per_answer: Decimal
    min_answers: int
    min_quality: Decimal


@dataclass(frozen=True)
class PayTerms:
    """The rate and bonus a timesheet applies; `currency` is empty when the project declares
    no pay (a rate given on the command line has no currency)."""

    rate: Decimal
    currency: str
    bonus: BonusRule | None


@dataclass(frozen=True)
class BonusStanding:
    """Where one annotator stands against the bonus rule in a period: `answers` given and
    `quality` (pooled: gold and decided-label answers scored, see `bot.metrics.quality`)."""

    rule: BonusRule
    answers: int
    quality: Accuracy

    @property
    def answers_short(self) -> int:
        """More answers needed to reach `min_answers` (0 when reached)."""
        return max(0, self.rule.min_answers - self.answers)

    @property
    def quality_met(self) -> bool:
        """Quality at or above the bar, compared exactly (`correct / scored >= min_quality`).

        With nothing scored the quality is unknown, which meets only a bar of 0.
        """
        if self.rule.min_quality == 0:
            return True
        scored = self.quality.scored
        return scored > 0 and Decimal(self.quality.correct) >= self.rule.min_quality * scored

    @property
    def earned(self) -> bool:
        return self.answers_short == 0 and self.quality_met

    @property
    def amount(self) -> Decimal:
        """`per_answer` × answers, rounded to cents, once earned; else zero."""
        return money(self.rule.per_answer * self.answers) if self.earned else ZERO
