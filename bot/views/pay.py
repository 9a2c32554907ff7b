"""Pay in words: the bonus terms under a timesheet, and a person's own month in `/label me`.

Only numbers, validated currency codes and time zone names go into this text, so nothing
here needs escaping.
"""

from __future__ import annotations

from decimal import Decimal

from bot.metrics import Accuracy
from bot.metrics.pay import BonusStanding, PayTerms
from bot.reports.timesheet import MonthSheet, decimal_text


def share(value: Decimal) -> str:
    """A bar such as 0.9 as `90%` (0.875 as `87.5%`)."""
    return f"{(value * 100).normalize():f}%"


def floor_percent(accuracy: Accuracy) -> str:
    """Rounded down, so a figure just under a bar never reads as reaching it (89.6% is 89%)."""
    return f"{100 * accuracy.correct // accuracy.scored}%" if accuracy.scored else "n/a"


def _in(amount: Decimal, currency: str) -> str:
    return f"{decimal_text(amount)} {currency}".strip()


def bonus_terms(terms: PayTerms) -> str:
    rule = terms.bonus
    if rule is None:
        return "No bonus."
    return (
        f"Bonus: {_in(rule.per_answer, terms.currency)} per answer in the period, with at "
        f"least {rule.min_answers:,} answers and quality ≥ {share(rule.min_quality)}."
    )


def bonus_progress(standing: BonusStanding, currency: str) -> str:
    """How far a person is from the bonus, or what they have earned so far."""
    rule, quality = standing.rule, standing.quality
    per_answer = _in(rule.per_answer, currency)
    if standing.earned:
        kept = (
            f" (quality {floor_percent(quality)} of {quality.scored:,} scored; it must stay ≥ "
            f"{share(rule.min_quality)})"
            if rule.min_quality
            else ""
        )
        return (
            f":white_check_mark: Bonus earned so far: {standing.answers:,} × {per_answer} = "
            f"{_in(standing.amount, currency)}{kept}."
        )
    needs = []
    if standing.answers_short:
        more = standing.answers_short
        needs.append(f"{more:,} more answer{'s' if more != 1 else ''}")
    if not standing.quality_met:
        now = (
            f"now {floor_percent(quality)} of {quality.scored:,} scored"
            if quality.scored
            else "none of your answers scored yet"
        )
        needs.append(f"quality ≥ {share(rule.min_quality)} ({now})")
    return f"{' and '.join(needs)} to earn {per_answer} per answer."


def month_text(month: MonthSheet) -> str:
    """`/label me`: this month's hours and, where the project pays, pay and bonus."""
    row = month.row
    first, last = month.first, month.last
    days = f"{last.day}" if first == last else f"{first.day}–{last.day}"
    period = f"{days} {last:%b %Y}, {month.timezone}"
    lines = [
        f"*This month* ({period}): {row.answers:,} answers on {row.items:,} items · "
        f"{row.active_hours:.2f} h active · quality {floor_percent(row.quality)} "
        f"({row.quality.scored:,} scored: {row.agreement.scored:,} against decided labels, "
        f"{row.gold.scored:,} gold)"
    ]
    if not month.pay_declared:
        return "\n".join(lines)
    terms, currency, standing = row.terms, row.terms.currency, row.standing
    base = f"Pay: {row.active_hours:.2f} h × {_in(terms.rate, currency)} = "
    if standing is None:
        lines.append(f"{base}*{_in(row.base_pay, currency)}*")
    else:
        lines.append(
            f"{base}{_in(row.base_pay, currency)} + bonus {_in(row.bonus, currency)} = "
            f"*{_in(row.total, currency)}*"
        )
        lines.append(bonus_progress(standing, currency))
    return "\n".join(lines)
