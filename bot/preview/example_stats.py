"""Figures for the stats and digest previews: a simulated crowd's answers run through the real
metric functions (agreement, kappa, alpha, confusion, pace, ETA, quality flags, the chart), so
the numbers in the screenshots hang together as they would in a real project."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta

from bot.metrics import Accuracy, DayThroughput, eta, label_distribution, pace
from bot.metrics.quality import Estimate, needs_calibration, quality_by_annotator
from bot.metrics.records import AnswerValue, local_date
from bot.preview.example_data import ERIN, FRANK, ME, NOW, SAM, example
from bot.reports.charts import progress_chart
from bot.reports.digest import DailyDigest, WeeklyDigest, learning_curve
from bot.reports.model_figures import IssueCounts, ModelFigures, TrainingPoint
from bot.reports.stats import (
    AgreementFigures,
    AnnotatorFigures,
    ProjectStats,
    agreement_figures,
    zone_of,
)
from bot.reports.timesheet import MonthSheet, TimesheetRow, pay_terms
from storage.progress import StatusCounts
from storage.stats_counts import ReviewCounts
from storage.stats_quality import AgreementSample

SLUG = "review-sentiment"
#: How often each simulated annotator gives the true label; Sam answers almost at random.
ACCURACY = {ME: 0.93, ERIN: 0.88, FRANK: 0.9, SAM: 0.45}
ESTIMATES = {
    ME: Estimate(0.94, 1204, None),
    ERIN: Estimate(0.87, 988, None),
    FRANK: Estimate(0.91, 640, None),
    SAM: Estimate(0.41, 212, ("positive", 2.8), "Positive"),
}
# (answers, today, last 7 days, unsure, median seconds, gold, agreement with decided)
VOLUME = {
    ME: (1204, 23, 212, 18, 11.0, Accuracy(57, 60), Accuracy(1021, 1090)),
    ERIN: (988, 0, 160, 31, 17.0, Accuracy(44, 50), Accuracy(790, 902)),
    FRANK: (640, 12, 95, 40, 24.0, Accuracy(30, 33), Accuracy(521, 583)),
    SAM: (212, 0, 212, 0, 3.0, Accuracy(4, 14), Accuracy(81, 190)),
}


def agreement(seed: int, items: int = 120, skill: float = 1.0) -> AgreementFigures:
    """Agreement over `items` simulated items with three answers each."""
    spec = example(SLUG).spec
    labels = spec.task.choice_values
    rng = random.Random(seed)
    values: dict[int, dict[str, AnswerValue]] = {}
    adjudicated: dict[int, AnswerValue] = {}
    for item_id in range(1, items + 1):
        truth = rng.choices(labels, weights=[5, 2, 3])[0]
        answers: dict[str, AnswerValue] = {}
        crowd = [ME, ERIN, FRANK]
        if rng.random() < 0.2:  # Sam answers a fifth of the items
            crowd = [SAM, *rng.sample(crowd, 2)]
        for who in crowd:
            right = rng.random() < ACCURACY[who] * skill
            answers[who] = truth if right else rng.choice([v for v in labels if v != truth])
        values[item_id] = answers
        if len(set(answers.values())) == 3:
            adjudicated[item_id] = truth
    sample = AgreementSample(values, adjudicated, population=items, sampled=False)
    return agreement_figures(sample, spec)


def throughput(today: date) -> list[DayThroughput]:
    """Fourteen days of answers and completions: busy weekdays, quiet weekends."""
    rng = random.Random(3)
    days = []
    for back in range(13, -1, -1):
        day = today - timedelta(days=back)
        busy = day.weekday() < 5
        answers = rng.randint(260, 380) if busy else rng.randint(10, 40)
        if back == 0:
            answers = 41  # today has barely begun
        days.append(DayThroughput(day, answers, int(answers / 3.1)))
    return days


def annotators() -> list[AnnotatorFigures]:
    return [
        AnnotatorFigures(
            annotator=who,
            answers=answers,
            today=today,
            last_7_days=week,
            unsure=unsure,
            median_seconds=median,
            gold=gold,
            agreement=decided,
            estimate=ESTIMATES[who],
            quarantined=who == SAM,
        )
        for who, (answers, today, week, unsure, median, gold, decided) in VOLUME.items()
    ]


def project_stats() -> ProjectStats:
    ex = example(SLUG)
    today = local_date(NOW, zone_of(ex.spec))
    days = throughput(today)
    per_day = pace(days[-8:-1]).answers_per_day
    items = StatusCounts(open=1240, in_review=4, complete=1876)
    people = annotators()
    return ProjectStats(
        slug=ex.spec.slug,
        title=ex.title,
        generated_at=NOW,
        timezone=ex.spec.digest.timezone,
        deadline=ex.spec.deadline,
        items=items,
        gold_items=156,
        answers=sum(a.answers for a in people),
        unsure_answers=sum(a.unsure for a in people),
        review=ReviewCounts(
            open=6,
            resolved=88,
            sent_back=5,
            oldest_open=NOW - timedelta(days=2, hours=5),
            items_reviewed=97,
            open_holding=4,
        ),
        labels=label_distribution([("positive", 1003), ("negative", 611), ("neutral", 262)]),
        decided=(1876, 5902),
        method=ex.spec.consensus.method,
        agreement=agreement(seed=11),
        annotators=people,
        throughput=days,
        answers_per_day=per_day,
        eta=eta(3710, per_day, ex.spec.deadline, today),
    )


def daily() -> DailyDigest:
    stats = project_stats()
    confusion = stats.agreement.confusion
    chart = progress_chart(
        stats.throughput,
        stats.items.complete,
        stats.items.total,
        f"{stats.title}: answers per day and items complete",
    )
    return DailyDigest(
        stats=stats,
        answers_last_day=stats.throughput[-2].answers,
        top_confusion=confusion[0] if confusion else None,
        chart=chart,
        flags=needs_calibration([a.scored for a in stats.annotators]),
    )


def weekly() -> WeeklyDigest:
    ex = example(SLUG)
    this_week, last_week = agreement(seed=21), agreement(seed=22, skill=0.95)
    zone = zone_of(ex.spec)
    return WeeklyDigest(
        slug=ex.spec.slug,
        title=ex.title,
        week_start=local_date(NOW - timedelta(days=7), zone),
        week_end=local_date(NOW, zone),
        this_week=this_week,
        last_week=last_week,
        answers_this_week=1679,
        disputed=this_week.confusion[:5],
        edge_cases=(2, ["Praise for delivery, complaint about the product.", "Question only."]),
        feedback=(1, ["Say whether a review of the seller (not the product) is neutral."]),
        quality=quality_by_annotator(
            {who: row[5] for who, row in VOLUME.items()},
            {who: row[6] for who, row in VOLUME.items()},
            ESTIMATES,
        ),
    )


def model() -> ModelFigures:
    """The project's own model after nine runs (min_labels 30, then every 200 new labels),
    its accuracy levelling off as labels come in; suggestions shown on cards."""
    zone = zone_of(example(SLUG).spec)
    runs = []
    for n in range(9):
        labels = 30 + 200 * n
        trained_at = NOW - timedelta(days=3 * (8 - n), hours=7)
        runs.append(
            TrainingPoint(
                version=n + 1,
                labels=labels,
                trained_on=labels,
                accuracy=round(0.87 - 0.25 * math.exp(-labels / 350), 4),
                macro_f1=round(0.83 - 0.33 * math.exp(-labels / 400), 4),
                folds=5,
                trained_at=trained_at,
                day=local_date(trained_at, zone),
            )
        )
    return ModelFigures(
        kind="text-logreg",
        field="text",
        min_labels=30,
        decided=1876,
        suggest=True,
        label_errors_per_day=5,
        runs=runs,
        agreement=Accuracy(346, 412),
        issues=IssueCounts(found=23, changed=9, kept=10, sent_back=1, open=3),
        with_suggestion=Accuracy(346, 380),
        without_suggestion=Accuracy(1285, 1460),
    )


def weekly_with_model() -> WeeklyDigest:
    """The weekly summary of the same project had it declared `model:`."""
    figures = model()
    return replace(weekly(), model=figures, chart=learning_curve(example(SLUG).title, figures))


def month(who: str, slug: str = SLUG, answers: int = 184) -> MonthSheet:
    """`who`'s timesheet this month, as `bot.reports.timesheet.my_month` would return it."""
    spec = example(slug).spec
    today = local_date(NOW, zone_of(spec))
    row = TimesheetRow(
        annotator=who,
        items=answers - 13,
        answers=answers,
        active=timedelta(minutes=2.1 * answers),
        agreement=Accuracy(int(answers * 0.82), int(answers * 0.89)),
        gold=Accuracy(9, 10) if spec.gold.rate else Accuracy(0, 0),
        terms=pay_terms(spec.pay),
    )
    return MonthSheet(today.replace(day=1), today, spec.digest.timezone, row, spec.pay is not None)


def my_figures() -> list[tuple[str, AnnotatorFigures, MonthSheet]]:
    """`/label me` for Dave: a paid project with a bonus, and an unpaid one."""
    sentiment, preference = example(SLUG), example("llm-preference")
    mine = next(a for a in annotators() if a.annotator == ME)
    pairs = AnnotatorFigures(ME, 86, 0, 12, 3, 41.0, Accuracy(0, 0), Accuracy(61, 70))
    return [
        (sentiment.title, mine, month(ME)),
        (preference.title, pairs, month(ME, "llm-preference", answers=31)),
    ]
