"""`/label stats` and `/label me`: a project's figures and a person's own, as Block Kit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.metrics import Eta
from bot.metrics.records import as_aware
from bot.reports.model_figures import ModelFigures
from bot.reports.stats import AgreementFigures, AnnotatorFigures, ProjectStats
from bot.reports.timesheet import MonthSheet
from bot.views.blocks import (
    Block,
    cap_blocks,
    context,
    fields_section,
    header,
    safe,
    section,
)
from bot.views.home import progress_bar
from bot.views.message import Message
from bot.views.pay import month_text
from bot.views.people import mention

MAX_ANNOTATOR_ROWS = 20


def ratio(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} s"


def eta_text(estimate: Eta, deadline_known: bool) -> str:
    if estimate.remaining == 0:
        return "nothing left to answer"
    if estimate.expected_date is None:
        return f"{estimate.remaining:,} answers to go, no recent pace to extrapolate"
    text = f"{estimate.remaining:,} answers to go, done about {estimate.expected_date:%a %d %b}"
    if deadline_known:
        text += " (on track)" if estimate.on_track else " (*behind the deadline*)"
    return text


def agreement_text(agreement: AgreementFigures) -> str:
    sample = f", sample of {agreement.items:,}" if agreement.sampled else ""
    return (
        f"agreement {percent(agreement.percent.value)} · κ {ratio(agreement.cohen.value)} · "
        f"Fleiss κ {ratio(agreement.fleiss.value)} · α {ratio(agreement.alpha.value)} "
        f"(over {agreement.population:,} items with 2+ answers{sample})"
    )


def age_text(age: timedelta) -> str:
    """How long something has waited, as a person would say it: 40 min, 5 h, 3 days."""
    minutes = max(int(age.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def review_text(stats: ProjectStats) -> str:
    """The review queue in one line: items waiting for a lead (the in-review count), Unsure
    flags on items still being labeled, how long the oldest has waited, and what was done."""
    review = stats.review
    if not review.open:
        return f"nothing waiting · {review.resolved:,} resolved"
    parts = []
    if review.open_holding:
        plural = "item waits" if review.open_holding == 1 else "items wait"
        parts.append(f"{review.open_holding:,} {plural} for a lead")
    if review.open_flags:
        plural = "flag" if review.open_flags == 1 else "flags"
        parts.append(f"{review.open_flags:,} unsure {plural}")
    if review.oldest_open is not None:
        waited = stats.generated_at - as_aware(review.oldest_open)
        parts.append(f"oldest {age_text(waited)}")
    parts.append(f"{review.resolved:,} resolved")
    return " · ".join(parts)


def summary_blocks(stats: ProjectStats) -> list[Block]:
    items = stats.items
    deadline = f" · deadline {stats.deadline:%d %b %Y}" if stats.deadline else ""
    return [
        section(
            f"{progress_bar(items.complete, items.total)} "
            f"{items.complete:,} of {items.total:,} items complete"
        ),
        fields_section(
            [
                f"*Answers*\n{stats.answers:,} ({stats.answers_per_day:,.0f}/day lately)",
                f"*Review*\n{review_text(stats)}",
                f"*ETA*\n{eta_text(stats.eta, stats.deadline is not None)}{deadline}",
            ]
        ),
        context([agreement_text(stats.agreement)]),
    ]


def annotator_lines(annotators: Sequence[AnnotatorFigures]) -> str:
    rows = [
        f"{':warning: ' if a.scored.flagged else ''}{mention(a.annotator)}: "
        f"{a.answers:,} answers · {a.today:,} today · median {seconds(a.median_seconds)} · "
        f"agrees with decided {percent(a.agreement.value)} ({a.agreement.scored}) · "
        f"gold {percent(a.gold.value)} ({a.gold.scored})" + _estimate(a)
        for a in annotators[:MAX_ANNOTATOR_ROWS]
    ]
    more = len(annotators) - MAX_ANNOTATOR_ROWS
    if more > 0:
        rows.append(f"…and {more} more (see `python -m bot stats`)")
    return "\n".join(rows) or "No answers yet."


def _estimate(a: AnnotatorFigures) -> str:
    if a.estimate is None:
        return ""
    habit = a.estimate.habit()
    habit = f", over-uses {safe(habit, 80)}" if habit else ""
    held = " · :no_entry: quarantined" if a.quarantined else ""
    return f" · model estimate {percent(a.estimate.accuracy)}{habit}{held}"


def not_trained_text(model: ModelFigures) -> str:
    """Why there is no model yet: labels still needed, or the first run still to come."""
    if model.decided < model.min_labels:
        return f"no model yet: {model.decided:,} of {model.min_labels:,} labels needed"
    return (
        f"no model yet: {model.decided:,} labels decided ({model.min_labels:,} needed), "
        "the first training run is due"
    )


def model_line(model: ModelFigures) -> str:
    """The project's own model in one line (no user text in it): `/label stats` and the
    `stats` command; the weekly digest says more."""
    run = model.latest
    if run is None:
        return f"Model: {not_trained_text(model)}"
    issues = model.issues
    sent_back = f", {issues.sent_back:,} sent back" if issues.sent_back else ""
    # From v2 on, people labeled the items the model was least sure of first: see HARDEST_FIRST.
    hardest = ", mostly its least certain items: understated" if run.version > 1 else ""
    return (
        f"Model v{run.version}: accuracy {percent(run.accuracy)} · macro-F1 "
        f"{percent(run.macro_f1)} (cross-validated, {run.trained_on:,} labels{hardest}) · "
        "agreed with "
        f"people on {percent(model.agreement.value)} of {model.agreement.scored:,} items · "
        f"possible label errors {issues.found:,} found, {issues.changed:,} changed, "
        f"{issues.kept:,} kept{sent_back}, {issues.open:,} open"
    )


def render_stats(stats: ProjectStats, *, for_lead: bool) -> Message:
    """The project summary (with its model's line if it has one); per-annotator figures
    only for leads."""
    blocks = [header(f"{stats.title}: stats"), *summary_blocks(stats)]
    if stats.model is not None:
        blocks.append(context([model_line(stats.model)]))
    if for_lead:
        blocks.append(
            section(f"*Annotators* (visible to leads only)\n{annotator_lines(stats.annotators)}")
        )
    text = f"{stats.title}: {stats.items.complete:,} of {stats.items.total:,} items complete"
    return Message(blocks=cap_blocks(blocks), text=text)


def render_my_stats(rows: Sequence[tuple[str, AnnotatorFigures, MonthSheet]]) -> Message:
    """A person's own figures in each project they answered in: all time, then this month's
    hours, pay and how far they are from the bonus."""
    if not rows:
        return Message(
            blocks=[section("You haven't answered anything yet. Try `/label next`.")],
            text="No answers yet",
        )
    blocks: list[Block] = [header("Your labeling")]
    for title, me, month in rows:
        unsure = me.unsure / me.answers if me.answers else None
        blocks.append(
            section(
                f"*{safe(title, 150)}*\n{me.answers:,} answers · {me.today:,} today · "
                f"{me.last_7_days:,} in the last 7 days\nmedian time {seconds(me.median_seconds)}"
                f" · agree with the decided label {percent(me.agreement.value)} "
                f"({me.agreement.scored}) · gold accuracy {percent(me.gold.value)} "
                f"({me.gold.scored} gold answers) · unsure {percent(unsure)}\n"
                f"{month_text(month)}"
            )
        )
    blocks.append(context(["Only you can see your hours and pay."]))
    total = sum(me.answers for _, me, _ in rows)
    return Message(blocks=cap_blocks(blocks), text=f"Your labeling: {total:,} answers")
