"""A project's figures (progress, pace, agreement, annotators), computed once for the CLI,
`/label stats` and the digests, from aggregate queries plus the pure metric functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
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
    PairwiseKappa,
    confusion_pairs,
    eta,
    fleiss_kappa,
    krippendorff_alpha,
    mean_pairwise_cohen_kappa,
    pace,
    percent_agreement,
)
from bot.metrics.quality import is_low_quality, pooled
from bot.metrics.records import AnswerValue, as_aware, local_date
from bot.projects.spec import ProjectSpec, TaskKind
from bot.projects.sync import project_spec
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
class Estimate:
    """The weighted model's view of an annotator: estimated accuracy over `answers` answers,
    and the label they give most beyond its true share (with how many times), if any."""

    accuracy: float
    answers: int
    overuses: tuple[str, float] | None  # (choice value, times its true share)
    overuses_text: str | None = None  # that choice as people read it

    def habit(self) -> str | None:
        """ "Positive 2.8×", for people."""
        if self.overuses is None:
            return None
        return f"{self.overuses_text or self.overuses[0]} {self.overuses[1]:.1f}×"


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
    method: str
    agreement: AgreementFigures
    annotators: list[AnnotatorFigures]
    throughput: list[DayThroughput]
    answers_per_day: float
    eta: Eta


def zone_of(spec: ProjectSpec) -> ZoneInfo:
    return ZoneInfo(spec.digest.timezone)


def day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def midnights(first: date, days: int, tz: tzinfo) -> list[datetime]:
    """The local midnights bounding `days` calendar days from `first` (days + 1 instants)."""
    return [day_start(first + timedelta(days=n), tz) for n in range(days + 1)]


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


def accuracy_by_annotator(
    outcomes: Mapping[str, Sequence[tuple[AnswerValue, AnswerValue, int]]],
) -> dict[str, Accuracy]:
    """Answers matching the gold or decided label (compared as `answer_key`s, like every
    metric), per annotator."""
    result = {}
    for annotator, rows in outcomes.items():
        correct = sum(n for value, gold, n in rows if answer_key(value) == answer_key(gold))
        result[annotator] = Accuracy(correct, sum(n for _, _, n in rows))
    return result


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
        today_start=day_start(today, tz),
        week_start=day_start(today - timedelta(days=6), tz),
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
        method=spec.consensus.method,
        agreement=agreement_figures(stats_quality.agreement_sample(session, project.id), spec),
        annotators=annotators,
        throughput=days,
        answers_per_day=recent.answers_per_day,
        eta=eta(remaining, recent.answers_per_day, spec.deadline, today),
    )


@dataclass(frozen=True)
class AnnotatorQuality:
    """An annotator's scored answers: against gold answers and against decided labels (and
    the weighted model's estimate, in projects that have one)."""

    annotator: str
    gold: Accuracy
    agreement: Accuracy
    estimate: Estimate | None = None

    @property
    def quality(self) -> Accuracy:
        return pooled(self.agreement, self.gold)

    @property
    def flagged(self) -> bool:
        """Confidently below the quality bar (see `bot.metrics.quality`)."""
        return is_low_quality(self.quality)


def quality_by_annotator(
    gold: Mapping[str, Accuracy],
    agreement: Mapping[str, Accuracy],
    estimates: Mapping[str, Estimate] | None = None,
) -> list[AnnotatorQuality]:
    """Everyone with a scored answer, most scored answers first (ties by id)."""
    estimates = estimates or {}
    rows = [
        AnnotatorQuality(
            who,
            gold.get(who, Accuracy(0, 0)),
            agreement.get(who, Accuracy(0, 0)),
            estimates.get(who),
        )
        for who in set(gold) | set(agreement)
    ]
    return sorted(rows, key=lambda row: (-row.quality.scored, row.annotator))


def needs_calibration(rows: Sequence[AnnotatorQuality]) -> list[AnnotatorQuality]:
    """The flagged annotators, worst first. Shown to leads only, never in a channel."""
    flagged = [row for row in rows if row.flagged]
    return sorted(flagged, key=lambda row: (row.quality.value or 0.0, row.annotator))


def stats_json(stats: ProjectStats) -> dict[str, Any]:
    """The documented `stats --json` object (docs/stats.md)."""
    agreement = stats.agreement
    eta_ = stats.eta
    return {
        "project": stats.slug,
        "title": stats.title,
        "generated_at": stats.generated_at.isoformat(),
        "timezone": stats.timezone,
        "items": {
            "total": stats.items.total,
            "open": stats.items.open,
            "in_review": stats.items.in_review,
            "complete": stats.items.complete,
            "gold": stats.gold_items,
        },
        "answers": stats.answers,
        "unsure_answers": stats.unsure_answers,
        "agreement": {
            "percent": _round(agreement.percent.value),
            "cohen_kappa_mean": _round(agreement.cohen.value),
            "fleiss_kappa": _round(agreement.fleiss.value),
            "krippendorff_alpha": _round(agreement.alpha.value),
            "items": agreement.items,
            "eligible_items": agreement.population,
            "sampled": agreement.items if agreement.sampled else None,
            "reasons": {
                "percent": agreement.percent.reason,
                "cohen_kappa_mean": agreement.cohen.reason,
                "fleiss_kappa": agreement.fleiss.reason,
                "krippendorff_alpha": agreement.alpha.reason,
            },
            "top_confusions": [
                {"labels": [pair.first, pair.second], "count": pair.count}
                for pair in agreement.confusion[:5]
            ],
        },
        "consensus_method": stats.method,
        "answers_per_decided_item": _round(
            stats.decided[1] / stats.decided[0] if stats.decided[0] else None
        ),
        "reviewed_share": _round(
            stats.review.items_reviewed / stats.items.total if stats.items.total else None
        ),
        "review": {
            "open": stats.review.open,
            "resolved": stats.review.resolved,
            "sent_back": stats.review.sent_back,
            "items_reviewed": stats.review.items_reviewed,
            "open_holding": stats.review.open_holding,
            "oldest_open_at": _iso(
                None if stats.review.oldest_open is None else as_aware(stats.review.oldest_open)
            ),
        },
        "annotators": [
            {
                "id": a.annotator,
                "answers": a.answers,
                "answers_today": a.today,
                "answers_last_7_days": a.last_7_days,
                "unsure": a.unsure,
                "median_seconds": _round(a.median_seconds),
                "gold_accuracy": _round(a.gold.value),
                "gold_scored": a.gold.scored,
                "agreement_with_final": _round(a.agreement.value),
                "agreement_scored": a.agreement.scored,
                "quality": _round(a.scored.quality.value),
                "quality_scored": a.scored.quality.scored,
                "low_quality": a.scored.flagged,
                "estimated_accuracy": _round(a.estimate.accuracy) if a.estimate else None,
                "overuses": (
                    {"label": a.estimate.overuses[0], "ratio": round(a.estimate.overuses[1], 2)}
                    if a.estimate and a.estimate.overuses
                    else None
                ),
                "quarantined": a.quarantined,
            }
            for a in stats.annotators
        ],
        "throughput": [
            {"day": day.day.isoformat(), "answers": day.answers, "completions": day.completions}
            for day in stats.throughput
        ],
        "eta": {
            "remaining_answers": eta_.remaining,
            "answers_per_day": round(stats.answers_per_day, 2),
            "days_needed": _round(eta_.days_needed),
            "expected_date": _iso(eta_.expected_date),
            "deadline": _iso(stats.deadline),
            "on_track": eta_.on_track,
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
