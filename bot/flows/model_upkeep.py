"""A project's own model, kept current by the scheduler leader (`bot.delivery.model_training`):
train when enough new labels arrived, predict every open item, send likely label errors to
review.

Like the Dawid–Skene refit, a run reads in a read-only snapshot and trains outside any
transaction, so no write lock is held while it computes and labeling never waits on it; the
model, the predictions and the reviews are then stored in short transactions. A run that fails
leaves everything as it was and is tried again at the next trigger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.review_routing import open_review
from bot.model.label_errors import Suspect, suspects
from bot.model.training import (
    NotEnoughLabels,
    Trained,
    TrainingSet,
    TrainingTimeout,
    dump,
    load,
    predict,
    train,
)
from bot.projects.model_policy import ModelPolicy
from bot.projects.spec import ProjectSpec
from bot.projects.sync import listable_projects, project_spec
from bot.runtime.services import Services
from storage import label_models
from storage.db import read_only, unit_of_work
from storage.models import FinalMethod, Item, ItemStatus, LabelIssue, ReviewReason
from storage.projects import all_projects, project_by_id

log = logging.getLogger(__name__)
#: Who the audit log names for the model's own actions.
MODEL_ACTOR = "model"


class NotTrained(Exception):
    """The labels cannot be learned yet, or training ran out of time; `labels` is the decided
    count then, so the next attempt waits for the next trigger."""

    def __init__(self, message: str, labels: int, *, timed_out: bool) -> None:
        super().__init__(message)
        self.labels = labels
        self.timed_out = timed_out


@dataclass(frozen=True)
class TrainingRun:
    slug: str
    version: int
    trained_on: int
    predicted: int
    flagged: int
    metrics: dict[str, object]


def model_project_ids(services: Services) -> list[int]:
    with read_only(services.sessions) as session:
        return [p.id for p in listable_projects(all_projects(session)) if project_spec(p).model]


def due(policy: ModelPolicy, decided: int, last_labels: int | None) -> bool:
    """Train once `min_labels` are decided, then after every `retrain_every` new ones."""
    if decided < policy.min_labels:
        return False
    return last_labels is None or decided - last_labels >= policy.retrain_every


def train_project(
    services: Services, project_id: int, *, force: bool = False, failed_at: int | None = None
) -> TrainingRun | None:
    """Train one project's model if due (or `force`) and act on it; None when nothing ran.
    `failed_at`: the decided count when the last attempt failed, which then counts as the
    last training. Raises NotTrained when the labels cannot be learned or time ran out."""
    with read_only(services.sessions) as session:
        project = project_by_id(session, project_id)
        if project is None or project_spec(project).model is None:
            return None
        slug, spec = project.slug, project_spec(project)
        policy = spec.model
        assert policy is not None
        decided = label_models.decided_labels(session, project_id)
        last = label_models.latest(session, project_id)
        since = max(last.labels if last else -1, -1 if failed_at is None else failed_at)
        if not force and not due(policy, decided, None if since < 0 else since):
            return None
        rows = label_models.training_rows(session, project_id, policy.field, policy.max_train_items)
    labelled = [(i, text, value, gold) for i, text, value, gold in rows if isinstance(value, str)]
    data = TrainingSet([r[0] for r in labelled], [r[1] for r in labelled], [r[2] for r in labelled])
    try:
        trained = train(data, max_seconds=policy.max_train_seconds)
    except (NotEnoughLabels, TrainingTimeout) as exc:
        raise NotTrained(str(exc), decided, timed_out=isinstance(exc, TrainingTimeout)) from exc
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        stored = label_models.store(
            session,
            project_id,
            kind=policy.kind,
            labels=decided,
            trained_on=len(data.labels),
            classes=trained.classes,
            metrics=trained.metrics,
            fitted=dump(trained.model),
            now=now,
        )
        version = stored.version
        audit.record(
            session,
            actor=MODEL_ACTOR,
            action="model.trained",
            project_id=project_id,
            detail={"version": version, "labels": decided, **trained.metrics},
            now=now,
        )
    predicted = predict_open_items(services, project_id, policy.field, version)
    gold = {r[0] for r in labelled if r[3]}
    flagged = flag_label_errors(services, project_id, spec, data, gold, trained, version)
    log.info(
        "%s: model v%d trained on %d labels (accuracy %.3f, macro-F1 %.3f, %.1f s); %d open "
        "items predicted, %d possible label errors sent to review",
        slug,
        version,
        len(data.labels),
        trained.metrics["accuracy"],
        trained.metrics["macro_f1"],
        trained.metrics["seconds"],
        predicted,
        flagged,
    )
    return TrainingRun(slug, version, len(data.labels), predicted, flagged, trained.metrics)


def predict_open_items(services: Services, project_id: int, field: str, version: int) -> int:
    """Score every open item with model `version`, one short transaction per batch."""
    with read_only(services.sessions) as session:
        stored = label_models.latest(session, project_id)
        if stored is None or stored.version != version or stored.fitted is None:
            return 0
        model, classes = load(stored.fitted), list(stored.classes)
        batches = list(label_models.open_texts(session, project_id, field))
    written = 0
    for batch in batches:
        scored = predict(model, classes, [text for _, text in batch])
        rows = [(i, label, p) for (i, _), (label, p) in zip(batch, scored, strict=True)]
        with unit_of_work(services.sessions) as session:
            written += label_models.write_predictions(session, rows, version)
    return written


def _day_start(spec: ProjectSpec, now: datetime) -> datetime:
    """Midnight of `now`'s day in the project's digest time zone: where "per day" starts."""
    zone = ZoneInfo(spec.digest.timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(), tzinfo=zone)


def flag_label_errors(
    services: Services,
    project_id: int,
    spec: ProjectSpec,
    data: TrainingSet,
    gold: set[int],
    trained: Trained,
    version: int,
) -> int:
    """Open a "possible label error" review for the likeliest errors, at most
    `label_errors_per_day` a day, each item once, never a gold item or a lead's decision."""
    assert spec.model is not None
    allowed = spec.model.label_errors_per_day
    if allowed == 0:
        return 0
    found = suspects(data.labels, trained.classes, trained.out_of_sample)
    now = services.clock()
    flagged = 0
    with unit_of_work(services.sessions) as session:
        room = allowed - label_models.issues_since(session, project_id, _day_start(spec, now))
        seen = label_models.flagged_items(session, project_id)
        for suspect in found:
            if flagged >= room:
                break
            item_id = data.item_ids[suspect.row]
            if item_id in gold or item_id in seen:
                continue
            if _flag(session, project_id, item_id, suspect, version, now):
                flagged += 1
    return flagged


def _flag(
    session: Session, project_id: int, item_id: int, suspect: Suspect, version: int, now: datetime
) -> bool:
    item = session.get(Item, item_id)
    still_so = (
        item is not None
        and item.status is ItemStatus.COMPLETE
        and item.final_label == suspect.given
        and item.final_method not in (FinalMethod.ADJUDICATED, FinalMethod.GOLD)
    )
    if not still_so or item is None:
        return False
    review = open_review(session, item, ReviewReason.POSSIBLE_LABEL_ERROR)
    if review is None:
        return False
    session.add(
        LabelIssue(
            project_id=project_id,
            item_id=item_id,
            review_id=review.id,
            model_version=version,
            given=suspect.given,
            given_probability=suspect.given_probability,
            suggested=suspect.suggested,
            suggested_probability=suspect.suggested_probability,
            found_at=now,
        )
    )
    audit.record(
        session,
        actor=MODEL_ACTOR,
        action="review.possible_label_error",
        project_id=project_id,
        detail={
            "item": item.external_id,
            "given": suspect.given,
            "given_probability": suspect.given_probability,
            "suggested": suspect.suggested,
            "suggested_probability": suspect.suggested_probability,
            "model_version": version,
        },
        now=now,
    )
    return True
