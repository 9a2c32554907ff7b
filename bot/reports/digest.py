"""What the daily progress digest and the weekly quality summary say (no Slack here).

Per-annotator quality flags are kept apart from the public content so they can only ever be
sent to leads privately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from bot.metrics import ConfusionPair
from bot.metrics.quality import (
    AnnotatorQuality,
    accuracy_by_annotator,
    needs_calibration,
    quality_by_annotator,
)
from bot.metrics.records import local_date
from bot.projects.sync import project_spec
from bot.reports.charts import learning_curve_chart, progress_chart
from bot.reports.model_figures import ModelFigures, model_figures
from bot.reports.stats import (
    AgreementFigures,
    ProjectStats,
    agreement_figures,
    compute_stats,
    estimates,
    zone_of,
)
from storage import stats_counts, stats_quality
from storage.models import Annotation, Project

DigestKind = Literal["daily", "weekly"]


def manual_period(now: datetime) -> str:
    """A period of its own for a digest someone asked for, so it always posts."""
    return f"manual-{now:%Y%m%dT%H%M%S.%f}"[:32]


WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DailyDigest:
    stats: ProjectStats
    answers_last_day: int
    top_confusion: ConfusionPair | None
    chart: bytes
    flags: list[AnnotatorQuality]


@dataclass(frozen=True)
class WeeklyDigest:
    slug: str
    title: str
    week_start: date
    week_end: date
    this_week: AgreementFigures
    last_week: AgreementFigures
    answers_this_week: int
    disputed: list[ConfusionPair]
    edge_cases: tuple[int, list[str]]
    feedback: tuple[int, list[str]]
    quality: list[AnnotatorQuality]
    #: Projects with `model:` only: its figures, and its learning curve once it has two runs.
    model: ModelFigures | None = None
    chart: bytes | None = None

    @property
    def flags(self) -> list[AnnotatorQuality]:
        return needs_calibration(self.quality)


def daily_digest(session: Session, project: Project, now: datetime) -> DailyDigest:
    stats = compute_stats(session, project, now)
    last_day = stats_counts.counts_between(
        session, Annotation.created_at, project.id, [now - WEEK / 7, now]
    )
    chart = progress_chart(
        stats.throughput,
        stats.items.complete,
        stats.items.total,
        f"{stats.title}: answers per day and items complete",
    )
    confusion = stats.agreement.confusion
    return DailyDigest(
        stats=stats,
        answers_last_day=last_day[0],
        top_confusion=confusion[0] if confusion else None,
        chart=chart,
        flags=needs_calibration([a.scored for a in stats.annotators]),
    )


def weekly_digest(session: Session, project: Project, now: datetime) -> WeeklyDigest:
    """The last seven days against the seven before: agreement on items answered in each
    window, the labels most disputed this week, annotator quality (for the leads), what
    annotators raised, and the project's own model (with its learning curve) if it has one."""
    spec = project_spec(project)
    start, previous = now - WEEK, now - 2 * WEEK
    this_week = agreement_figures(
        stats_quality.agreement_sample(session, project.id, answered_from=start, answered_to=now),
        spec,
    )
    last_week = agreement_figures(
        stats_quality.agreement_sample(
            session, project.id, answered_from=previous, answered_to=start
        ),
        spec,
    )
    answers = stats_counts.counts_between(session, Annotation.created_at, project.id, [start, now])
    gold = accuracy_by_annotator(stats_quality.gold_outcomes(session, project.id, since=start))
    agreement = accuracy_by_annotator(
        stats_quality.final_outcomes(session, project.id, since=start)
    )
    tz = zone_of(spec)
    model = model_figures(session, project.id, spec, tz)
    return WeeklyDigest(
        slug=project.slug,
        title=project.title,
        week_start=local_date(start, tz),
        week_end=local_date(now, tz),
        this_week=this_week,
        last_week=last_week,
        answers_this_week=answers[0],
        disputed=this_week.confusion[:5],
        edge_cases=stats_counts.edge_cases_since(session, project.id, start),
        feedback=stats_counts.feedback_since(session, project.id, start),
        quality=quality_by_annotator(gold, agreement, estimates(session, project.id, spec)),
        model=model,
        chart=learning_curve(project.title, model),
    )


def learning_curve(title: str, model: ModelFigures | None) -> bytes | None:
    """The model's learning curve as a PNG, once two runs make a curve."""
    if model is None or not model.has_curve:
        return None
    return learning_curve_chart(model.runs, f"{title}: model accuracy by decided labels")
