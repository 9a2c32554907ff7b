"""A project's figures (progress, pace, agreement, annotators), computed once for the CLI,
`/label stats` and the digests, from aggregate queries plus the pure metric functions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.consensus import answer_key
from bot.domain.weighting import current_model, overused_label
from bot.metrics import (
    Accuracy,
    Coefficient,
    ConfusionPair,
    DayThroughput,
    Eta,
    LabelCount,
    PairwiseKappa,
    confusion_pairs,
    eta,
    fleiss_kappa,
    krippendorff_alpha,
    label_distribution,
    mean_pairwise_cohen_kappa,
    pace,
    percent_agreement,
)
from bot.metrics.quality import AnnotatorQuality, Estimate, accuracy_by_annotator
from bot.metrics.records import local_date
from bot.projects.spec import ProjectSpec, TaskKind
from bot.projects.sync import project_spec
from bot.reports.model_figures import ModelFigures, model_figures
from storage import consensus_models, stats_annotators, stats_counts, stats_quality
from storage.models import Annotation, Item, Project
from storage.progress import StatusCounts, status_counts

THROUGHPUT_DAYS = 14
PACE_DAYS = 7


@dataclass(frozen=True)
class AnnotatorFigures:
    """One annotator's volume, speed and quality: `agreement` scores their answers on
    decided non-gold items against the decided label, `gold` their answers on gold items."""

    annotator: str
    answers: int
    today: int
    last_7_days: int
    unsure: int
    median_seconds: float | None
    gold: Accuracy
    agreement: Accuracy = Accuracy(0, 0)
    estimate: Estimate | None = None  # weighted-consensus projects only
    quarantined: bool = False

    @property
    def scored(self) -> AnnotatorQuality:
        return AnnotatorQuality(self.annotator, self.gold, self.agreement, self.estimate)


@dataclass(frozen=True)
class AgreementFigures:
    """Agreement over items answered by two or more annotators (whatever their status);
    `population` such items matched, a sample was used if `sampled`."""

    percent: Coefficient
    cohen: PairwiseKappa
    fleiss: Coefficient
    alpha: Coefficient
    items: int
    population: int
    sampled: bool
    confusion: list[ConfusionPair]


@dataclass(frozen=True)
class ProjectStats:
    slug: str
    title: str
    generated_at: datetime
    timezone: str
    deadline: date | None
    items: StatusCounts
    gold_items: int
    answers: int
    unsure_answers: int
    review: stats_counts.ReviewCounts
    decided: tuple[int, int]  # (decided items, their sure answers)
    labels: list[LabelCount]  # decided labels, most frequent first
    method: str
    agreement: AgreementFigures
    annotators: list[AnnotatorFigures]
    throughput: list[DayThroughput]
    answers_per_day: float
    eta: Eta
    model: ModelFigures | None = None  # projects with `model:` only


def zone_of(spec: ProjectSpec) -> ZoneInfo:
    return ZoneInfo(spec.digest.timezone)


def midnight(day: date, tz: tzinfo) -> datetime:
    """The instant `day` begins in time zone `tz`."""
    return datetime.combine(day, time(), tzinfo=tz)


def midnights(first: date, days: int, tz: tzinfo) -> list[datetime]:
    """The local midnights bounding `days` calendar days from `first` (days + 1 instants)."""
    return [midnight(first + timedelta(days=n), tz) for n in range(days + 1)]


def throughput(
    session: Session, project_id: int, today: date, tz: tzinfo, days: int = THROUGHPUT_DAYS
) -> list[DayThroughput]:
    """Answers and completions per local day for the `days` days ending today, oldest first."""
    first = today - timedelta(days=days - 1)
    edges = midnights(first, days, tz)
    answers = stats_counts.counts_between(session, Annotation.created_at, project_id, edges)
    completions = stats_counts.counts_between(session, Item.completed_at, project_id, edges)
    return [
        DayThroughput(first + timedelta(days=n), answers[n], completions[n]) for n in range(days)
    ]


def agreement_figures(sample: stats_quality.AgreementSample, spec: ProjectSpec) -> AgreementFigures:
    units = {
        item_id: {who: answer_key(value) for who, value in answers.items()}
        for item_id, answers in sample.values.items()
    }
    if spec.task.kind is TaskKind.RATING:
        alpha = krippendorff_alpha(units, "ordinal", spec.task.choice_values)
    else:
        alpha = krippendorff_alpha(units)
    by_item = {item_id: list(answers.values()) for item_id, answers in sample.values.items()}
    return AgreementFigures(
        percent=percent_agreement(units),
        cohen=mean_pairwise_cohen_kappa(units),
        fleiss=fleiss_kappa(units),
        alpha=alpha,
        items=len(units),
        population=sample.population,
        sampled=sample.sampled,
        confusion=confusion_pairs(by_item, sample.adjudicated),
    )


def annotator_figures(
    session: Session, project_id: int, now: datetime, tz: tzinfo, annotator: str | None = None
) -> list[AnnotatorFigures]:
    today = local_date(now, tz)
    counts = stats_annotators.annotator_counts(
        session,
        project_id,
        today_start=midnight(today, tz),
        week_start=midnight(today - timedelta(days=6), tz),
        annotator=annotator,
    )
    medians = stats_annotators.median_seconds(
        session, project_id, [row.annotator for row in counts]
    )
    gold = accuracy_by_annotator(
        stats_quality.gold_outcomes(session, project_id, annotator=annotator)
    )
    agreement = accuracy_by_annotator(
        stats_quality.final_outcomes(session, project_id, annotator=annotator)
    )
    return [
        AnnotatorFigures(
            annotator=row.annotator,
            answers=row.answers,
            today=row.today,
            last_7_days=row.last_7_days,
            unsure=row.unsure,
            median_seconds=medians.get(row.annotator),
            gold=gold.get(row.annotator, Accuracy(0, 0)),
            agreement=agreement.get(row.annotator, Accuracy(0, 0)),
        )
        for row in counts
    ]


def with_estimates(
    session: Session, project_id: int, spec: ProjectSpec, figures: list[AnnotatorFigures]
) -> list[AnnotatorFigures]:
    """Add the weighted model's estimates and quarantines (dawid_skene projects only)."""
    if spec.consensus.method != "dawid_skene":
        return figures
    found = estimates(session, project_id, spec)
    held = {
        q.annotator
        for q in consensus_models.quarantines(session, project_id)
        if q.released_at is None
    }
    return [
        replace(row, estimate=found.get(row.annotator), quarantined=row.annotator in held)
        for row in figures
    ]


def estimates(session: Session, project_id: int, spec: ProjectSpec) -> dict[str, Estimate]:
    """The current weighted model's estimate of every annotator it knows (none before the
    first fit, or for a majority-vote project)."""
    if spec.consensus.method != "dawid_skene":
        return {}
    compiled = current_model(session, project_id, spec)
    found = {}
    texts = {c.value: c.text for c in spec.task.effective_choices}
    for who, code in compiled.annotators.items():
        overuses = overused_label(compiled, who)
        found[who] = Estimate(
            accuracy=float(compiled.model.accuracy[code]),
            answers=int(compiled.model.answer_counts[code]),
            overuses=overuses,
            overuses_text=texts.get(overuses[0]) if overuses else None,
        )
    return found


def compute_stats(session: Session, project: Project, now: datetime) -> ProjectStats:
    """Everything `stats --json`, `/label stats` and the daily digest show, in one pass."""
    spec = project_spec(project)
    tz = zone_of(spec)
    today = local_date(now, tz)
    days = throughput(session, project.id, today, tz)
    recent = pace(days[-PACE_DAYS - 1 : -1])  # finished days only: today has barely begun
    remaining = stats_counts.remaining_answers(session, project.id)
    annotators = with_estimates(
        session, project.id, spec, annotator_figures(session, project.id, now, tz)
    )
    return ProjectStats(
        slug=project.slug,
        title=project.title,
        generated_at=now,
        timezone=spec.digest.timezone,
        deadline=spec.deadline,
        items=status_counts(session, project.id),
        gold_items=stats_counts.gold_items(session, project.id),
        answers=sum(a.answers for a in annotators),
        unsure_answers=sum(a.unsure for a in annotators),
        review=stats_counts.review_counts(session, project.id),
        decided=stats_counts.decided_answers(session, project.id),
        labels=label_distribution(stats_counts.decided_labels(session, project.id)),
        method=spec.consensus.method,
        agreement=agreement_figures(stats_quality.agreement_sample(session, project.id), spec),
        annotators=annotators,
        throughput=days,
        answers_per_day=recent.answers_per_day,
        eta=eta(remaining, recent.answers_per_day, spec.deadline, today),
        model=model_figures(session, project.id, spec, tz),
    )
