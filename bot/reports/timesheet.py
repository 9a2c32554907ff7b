"""Timesheets: per annotator, what they did in a date range and what they are owed.

Active hours come from answer times and card timers (`bot.metrics.active_time`); pay from
the project's `pay` block (`bot.metrics.pay`); the quality a bonus needs is the same pooled
figure as the low-quality flag (`bot.metrics.quality.pooled`), over the period's answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.metrics import Accuracy, active_time
from bot.metrics.annotators import AnswerTime
from bot.metrics.pay import ZERO, BonusRule, BonusStanding, PayTerms, base_pay, billed_hours
from bot.metrics.quality import accuracy_by_annotator, pooled
from bot.metrics.records import local_date
from bot.projects.spec import Pay
from bot.projects.sync import project_spec
from bot.reports.stats import midnight, zone_of
from storage import stats_annotators, stats_quality
from storage.models import Project

#: The hourly rate when neither `--rate` nor the project's `pay.hourly_rate` gives one.
DEFAULT_RATE = Decimal(15)

COLUMNS = [
    "annotator",
    "items",
    "answers",
    "active_hours",
    "rate",
    "currency",
    "base_pay",
    "agreement_with_final",
    "agreement_scored",
    "gold_accuracy",
    "gold_scored",
    "quality",
    "quality_scored",
    "bonus",
    "total",
]


def pay_terms(pay: Pay | None, rate: Decimal | None = None) -> PayTerms:
    """The project's pay, with `rate` (the `--rate` option) overriding its hourly rate."""
    if pay is None:
        return PayTerms(DEFAULT_RATE if rate is None else rate, "", None)
    bonus = pay.bonus
    rule = (
        None if bonus is None else BonusRule(bonus.per_answer, bonus.min_answers, bonus.min_quality)
    )
    return PayTerms(pay.hourly_rate if rate is None else rate, pay.currency, rule)


@dataclass(frozen=True)
class TimesheetRow:
    """One annotator's period: `answers` counts every answer given (changed and unsure ones
    too: the work was done); `agreement` and `gold` score their current answers given in the
    period against decided labels and gold answers."""

    annotator: str
    items: int
    answers: int
    active: timedelta
    agreement: Accuracy
    gold: Accuracy
    terms: PayTerms

    @property
    def active_hours(self) -> Decimal:
        return billed_hours(self.active)

    @property
    def base_pay(self) -> Decimal:
        return base_pay(self.active, self.terms.rate)

    @property
    def quality(self) -> Accuracy:
        return pooled(self.agreement, self.gold)

    @property
    def standing(self) -> BonusStanding | None:
        """Where they stand against the bonus; None when the project offers none."""
        rule = self.terms.bonus
        return None if rule is None else BonusStanding(rule, self.answers, self.quality)

    @property
    def bonus(self) -> Decimal:
        standing = self.standing
        return ZERO if standing is None else standing.amount

    @property
    def total(self) -> Decimal:
        return self.base_pay + self.bonus


def timesheet(
    session: Session,
    project: Project,
    since: date,
    until: date,
    rate: Decimal | None = None,
    annotator: str | None = None,
) -> list[TimesheetRow]:
    """Days `since` to `until` inclusive, in the project's time zone; by annotator id (only
    `annotator`'s row when given). `rate` overrides the project's hourly rate."""
    spec = project_spec(project)
    terms = pay_terms(spec.pay, rate)
    tz = zone_of(spec)
    start, end = midnight(since, tz), midnight(until + timedelta(days=1), tz)
    gold = accuracy_by_annotator(
        stats_quality.gold_outcomes(
            session, project.id, since=start, until=end, annotator=annotator
        )
    )
    agreement = accuracy_by_annotator(
        stats_quality.final_outcomes(
            session, project.id, since=start, until=end, annotator=annotator
        )
    )
    rows = []
    for who, answers in _by_annotator(
        stats_annotators.answer_times(session, project.id, start, end, annotator)
    ):
        rows.append(
            TimesheetRow(
                annotator=who,
                items=len({item_id for item_id, _ in answers}),
                answers=len(answers),
                active=active_time(timing for _, timing in answers),
                agreement=agreement.get(who, Accuracy(0, 0)),
                gold=gold.get(who, Accuracy(0, 0)),
                terms=terms,
            )
        )
    return rows


@dataclass(frozen=True)
class MonthSheet:
    """One person's timesheet for the calendar month so far, as `/label me` shows it."""

    first: date
    last: date
    timezone: str
    row: TimesheetRow
    pay_declared: bool


def month_to_date(now: datetime, tz: tzinfo) -> tuple[date, date]:
    """The first day of the current calendar month in `tz`, and today."""
    today = local_date(now, tz)
    return today.replace(day=1), today


def my_month(session: Session, project: Project, annotator: str, now: datetime) -> MonthSheet:
    """`annotator`'s figures this calendar month (project time zone); zeros if none yet."""
    spec = project_spec(project)
    first, last = month_to_date(now, zone_of(spec))
    rows = timesheet(session, project, first, last, annotator=annotator)
    none = Accuracy(0, 0)
    row = (
        rows[0]
        if rows
        else TimesheetRow(annotator, 0, 0, timedelta(0), none, none, pay_terms(spec.pay))
    )
    return MonthSheet(first, last, spec.digest.timezone, row, spec.pay is not None)


def _by_annotator(
    rows: Iterable[tuple[str, int, datetime, float | None]],
) -> Iterable[tuple[str, list[tuple[int, AnswerTime]]]]:
    """Group the (annotator-ordered) stream one annotator at a time."""
    current: str | None = None
    batch: list[tuple[int, AnswerTime]] = []
    for annotator, item_id, moment, seconds in rows:
        if annotator != current:
            if current is not None:
                yield current, batch
            current, batch = annotator, []
        batch.append((item_id, (moment, seconds)))
    if current is not None:
        yield current, batch


def decimal_text(amount: Decimal) -> str:
    """At least 2 decimals (`15.00`), more only when the value has them (`0.005`)."""
    return (
        f"{amount:.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{amount.normalize():f}"
    )


def _share(accuracy: Accuracy) -> str:
    value = accuracy.value
    return "" if value is None else f"{value:.3f}"


def to_csv(rows: Iterable[TimesheetRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.annotator,
                row.items,
                row.answers,
                f"{row.active_hours:.2f}",
                decimal_text(row.terms.rate),
                row.terms.currency,
                f"{row.base_pay:.2f}",
                _share(row.agreement),
                row.agreement.scored,
                _share(row.gold),
                row.gold.scored,
                _share(row.quality),
                row.quality.scored,
                f"{row.bonus:.2f}",
                f"{row.total:.2f}",
            ]
        )
    return out.getvalue()
