"""What a lead reads about the project's own model (`model:`): how good it is by
cross-validation, how it improved as labels came in, how often people agreed with what it
predicted, the label errors it found, and whether cards that showed its suggestion got
different answers (anchoring).

Computed once here for the weekly digest, `stats --json`, `python -m bot stats` and
`/label stats`; every figure comes from `storage.label_models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from bot.metrics import Accuracy
from bot.metrics.records import as_aware, local_date
from bot.projects.spec import ProjectSpec
from storage import label_models
from storage.models import LabelModel

#: Runs a learning curve needs before it is worth drawing.
CURVE_MIN_RUNS = 2


@dataclass(frozen=True)
class TrainingPoint:
    """One training run: `labels` decided in the project when it ran (the learning curve's
    x), `trained_on` of them used; accuracy and macro-F1 are cross-validated."""

    version: int
    labels: int
    trained_on: int
    accuracy: float | None
    macro_f1: float | None
    folds: int | None
    trained_at: datetime  # aware, UTC
    day: date  # the day it ran, in the project's digest time zone


@dataclass(frozen=True)
class IssueCounts:
    """Possible label errors the model found, and how leads settled them: `changed` means
    the label was wrong, `kept` that it stood, `sent_back` that the lead asked for more
    answers instead, `open` that it is still in review."""

    found: int
    changed: int
    kept: int
    sent_back: int
    open: int


@dataclass(frozen=True)
class ModelFigures:
    kind: str
    field: str
    min_labels: int
    decided: int  # decided labels in the project now
    suggest: bool
    label_errors_per_day: int
    runs: list[TrainingPoint]  # oldest first
    #: Decided non-gold items predicted before people decided them: how many matched.
    agreement: Accuracy
    issues: IssueCounts
    #: Answers on decided non-gold items matching the decided label, by whether the card
    #: showed the model's suggestion.
    with_suggestion: Accuracy
    without_suggestion: Accuracy

    @property
    def latest(self) -> TrainingPoint | None:
        return self.runs[-1] if self.runs else None

    @property
    def has_curve(self) -> bool:
        return len(self.runs) >= CURVE_MIN_RUNS

    @property
    def shows_suggestions(self) -> bool:
        """Whether the suggestion split means anything: suggestions are on, or were once."""
        return self.suggest or self.with_suggestion.scored > 0


def _number(metrics: dict[str, Any], key: str) -> float | None:
    value = metrics.get(key)
    return float(value) if isinstance(value, int | float) else None


def training_point(run: LabelModel, tz: tzinfo) -> TrainingPoint:
    folds = run.metrics.get("folds")
    return TrainingPoint(
        version=run.version,
        labels=run.labels,
        trained_on=run.trained_on,
        accuracy=_number(run.metrics, "accuracy"),
        macro_f1=_number(run.metrics, "macro_f1"),
        folds=folds if isinstance(folds, int) else None,
        trained_at=as_aware(run.trained_at),
        day=local_date(run.trained_at, tz),
    )


def model_figures(
    session: Session, project_id: int, spec: ProjectSpec, tz: tzinfo
) -> ModelFigures | None:
    """The model's figures, or None for a project without `model:` (its reports are
    unchanged)."""
    policy = spec.model
    if policy is None:
        return None
    split = label_models.suggestion_split(session, project_id)
    same, compared = label_models.agreement_with_people(session, project_id)
    counts = label_models.issue_counts(session, project_id)
    return ModelFigures(
        kind=policy.kind,
        field=policy.field,
        min_labels=policy.min_labels,
        decided=label_models.decided_labels(session, project_id),
        suggest=policy.suggest,
        label_errors_per_day=policy.label_errors_per_day,
        runs=[training_point(run, tz) for run in label_models.runs(session, project_id)],
        agreement=Accuracy(same, compared),
        issues=IssueCounts(
            found=counts["found"],
            changed=counts["changed"],
            kept=counts["kept"],
            sent_back=counts.get("sent_back", 0),
            open=counts["open"],
        ),
        with_suggestion=Accuracy(*split.get(True, (0, 0))),
        without_suggestion=Accuracy(*split.get(False, (0, 0))),
    )
