"""The documented `stats --json` object (docs/stats.md): a project's figures as plain JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.metrics import Accuracy
from bot.metrics.records import as_aware
from bot.reports.model_figures import ModelFigures, TrainingPoint
from bot.reports.stats import ProjectStats


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
        "labels": [
            {"label": entry.label, "items": entry.count, "share": _round(entry.share)}
            for entry in stats.labels
        ],
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
        "model": None if stats.model is None else model_json(stats.model),
    }


def model_json(model: ModelFigures) -> dict[str, Any]:
    """The project's own model: the weekly digest's figures and every run's (the learning
    curve)."""
    latest = model.latest
    return {
        "kind": model.kind,
        "field": model.field,
        "min_labels": model.min_labels,
        "decided_labels": model.decided,
        "suggest": model.suggest,
        "latest": None if latest is None else _run(latest),
        "agreement_with_people": _share(model.agreement),
        "label_errors": {
            "found": model.issues.found,
            "changed": model.issues.changed,
            "kept": model.issues.kept,
            "sent_back": model.issues.sent_back,
            "open": model.issues.open,
        },
        "suggestions": {
            "shown": _share(model.with_suggestion),
            "not_shown": _share(model.without_suggestion),
        },
        "learning_curve": [_run(run) for run in model.runs],
    }


def _run(run: TrainingPoint) -> dict[str, Any]:
    return {
        "version": run.version,
        "trained_at": run.trained_at.isoformat(),
        "labels": run.labels,
        "trained_on": run.trained_on,
        "accuracy": _round(run.accuracy),
        "macro_f1": _round(run.macro_f1),
        "folds": run.folds,
    }


def _share(accuracy: Accuracy) -> dict[str, Any]:
    return {
        "share": _round(accuracy.value),
        "matching": accuracy.correct,
        "scored": accuracy.scored,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
