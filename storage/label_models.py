"""Persistence for a project's own model: its training data, runs, predictions and the label
issues it found.

A decided label is an item's final label, or a gold item's gold answer (known before anyone
answers). Undecided items (open, or held in review) have no label and are never training data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Table, Text, and_, bindparam, case, cast, func, or_, select, update
from sqlalchemy.orm import Session, defer

from storage.models import (
    Annotation,
    FinalMethod,
    Item,
    ItemStatus,
    LabelIssue,
    LabelModel,
    NullableJSON,
)

#: The items table, for Core statements that bypass the ORM.
Items = cast_type(Table, Item.__table__)
#: Runs that keep their fitted model; older runs keep only their figures (learning curve).
KEEP_FITTED = 2
OPEN_BATCH = 5_000


def _decided(project_id: int) -> Any:
    return and_(
        Item.project_id == project_id,
        or_(
            Item.final_label.is_not(None),
            and_(Item.is_gold.is_(True), Item.gold_answer.is_not(None)),
        ),
    )


def decided_labels(session: Session, project_id: int) -> int:
    """Decided labels in the project now: what `retrain_every` counts."""
    return int(session.scalar(select(func.count()).where(_decided(project_id))) or 0)


def training_rows(
    session: Session, project_id: int, field: str, limit: int
) -> list[tuple[int, str, Any, bool]]:
    """(item id, the field's text, the decided label, is gold) of the newest `limit` decided
    items that have the field, oldest first."""
    label = case((Item.is_gold.is_(True), Item.gold_answer), else_=Item.final_label)
    newest = (
        select(Item.id, Item.data[field].as_string(), label, Item.is_gold)
        .where(_decided(project_id), Item.data[field].as_string().is_not(None))
        .order_by(Item.id.desc())
        .limit(limit)
    )
    rows = [
        (int(i), str(text), value, bool(gold)) for i, text, value, gold in session.execute(newest)
    ]
    rows.reverse()
    return rows


def open_texts(session: Session, project_id: int, field: str) -> Iterator[list[tuple[int, str]]]:
    """(item id, text) of the project's open items, in batches: what gets a prediction."""
    after = 0
    while True:
        batch = [
            (int(i), str(text))
            for i, text in session.execute(
                select(Item.id, Item.data[field].as_string())
                .where(
                    Item.project_id == project_id,
                    Item.status == ItemStatus.OPEN,
                    Item.id > after,
                    Item.data[field].as_string().is_not(None),
                )
                .order_by(Item.id)
                .limit(OPEN_BATCH)
            )
        ]
        if not batch:
            return
        yield batch
        after = batch[-1][0]


def write_predictions(
    session: Session, predictions: Sequence[tuple[int, str, float]], version: int
) -> int:
    """Each open item's predicted label and its probability, from model `version`. An item
    decided or held since it was read keeps what it had. Returns the rows written."""
    if not predictions:
        return 0
    table = Items
    statement = (
        update(table)
        .where(table.c.id == bindparam("item"), table.c.status == ItemStatus.OPEN.value)
        .values(
            prediction=bindparam("label", type_=NullableJSON),
            prediction_score=bindparam("score"),
            prediction_version=version,
        )
    )
    rows = [{"item": i, "label": label, "score": score} for i, label, score in predictions]
    result = session.connection().execute(statement, rows)
    return int(result.rowcount or 0)


def latest(session: Session, project_id: int) -> LabelModel | None:
    return session.scalars(
        select(LabelModel)
        .where(LabelModel.project_id == project_id)
        .order_by(LabelModel.version.desc())
        .limit(1)
    ).first()


def runs(session: Session, project_id: int) -> list[LabelModel]:
    """Every training run, oldest first, without loading the fitted models."""
    return list(
        session.scalars(
            select(LabelModel)
            .options(defer(LabelModel.fitted))
            .where(LabelModel.project_id == project_id)
            .order_by(LabelModel.version)
        )
    )


def store(
    session: Session,
    project_id: int,
    *,
    kind: str,
    labels: int,
    trained_on: int,
    classes: list[str],
    metrics: dict[str, Any],
    fitted: bytes,
    now: datetime,
) -> LabelModel:
    """Add the next version; runs older than the last `KEEP_FITTED` drop their fitted model."""
    version = (
        session.scalar(
            select(func.max(LabelModel.version)).where(LabelModel.project_id == project_id)
        )
        or 0
    ) + 1
    row = LabelModel(
        project_id=project_id,
        version=version,
        kind=kind,
        labels=labels,
        trained_on=trained_on,
        classes=classes,
        metrics=metrics,
        fitted=fitted,
        trained_at=now,
    )
    session.add(row)
    session.execute(
        update(LabelModel)
        .where(
            LabelModel.project_id == project_id,
            LabelModel.version <= version - KEEP_FITTED,
            LabelModel.fitted.is_not(None),
        )
        .values(fitted=None)
    )
    session.flush()
    return row


def flagged_items(session: Session, project_id: int) -> set[int]:
    """Items already sent to review as possible label errors (each is sent once)."""
    return set(
        session.scalars(select(LabelIssue.item_id).where(LabelIssue.project_id == project_id))
    )


def issues_since(session: Session, project_id: int, since: datetime) -> int:
    query = select(func.count()).where(
        LabelIssue.project_id == project_id, LabelIssue.found_at >= since
    )
    return int(session.scalar(query) or 0)


def issue_of_review(session: Session, item_id: int, review_id: int) -> LabelIssue | None:
    """The label issue review `review_id` of item `item_id` was opened (or joined) for; found
    by its item, which has at most one (a unique, indexed column)."""
    return session.scalars(
        select(LabelIssue).where(LabelIssue.item_id == item_id, LabelIssue.review_id == review_id)
    ).first()


def issue_counts(session: Session, project_id: int) -> dict[str, int]:
    """Possible label errors found, and how the leads settled them: `changed` (the label was
    wrong), `kept`, `sent_back` (for more answers instead), and `open` (still in review)."""
    rows = session.execute(
        select(LabelIssue.outcome, func.count())
        .where(LabelIssue.project_id == project_id)
        .group_by(LabelIssue.outcome)
    )
    counts = {str(outcome or "open"): int(n) for outcome, n in rows}
    return {
        "found": sum(counts.values()),
        "changed": counts.get("changed", 0),
        "kept": counts.get("kept", 0),
        "sent_back": counts.get("sent_back", 0),
        "open": counts.get("open", 0),
    }


def agreement_with_people(session: Session, project_id: int) -> tuple[int, int]:
    """(same, compared): decided non-gold items that had a prediction from the project's model
    before people decided them, and how many of those predictions the people's label matched."""
    compared = (
        Item.project_id == project_id,
        Item.is_gold.is_(False),
        Item.final_label.is_not(None),
        Item.prediction_version.is_not(None),
    )
    same = func.sum(case((cast(Item.prediction, Text) == cast(Item.final_label, Text), 1), else_=0))
    row = session.execute(select(func.count(), same).where(*compared)).one()
    return int(row[1] or 0), int(row[0] or 0)


def suggestion_split(session: Session, project_id: int) -> dict[bool, tuple[int, int]]:
    """Shown-or-not -> (answers matching the decided label, answers scored), on decided
    non-gold items: whether answers given with a suggestion agree more, which is anchoring."""
    matches = case((cast(Annotation.value, Text) == cast(Item.final_label, Text), 1), else_=0)
    rows = session.execute(
        select(Annotation.suggestion_shown, func.sum(matches), func.count())
        .join(Item, Item.id == Annotation.item_id)
        .where(
            Annotation.project_id == project_id,
            Annotation.superseded_at.is_(None),
            Annotation.value.is_not(None),
            Item.is_gold.is_(False),
            Item.final_label.is_not(None),
            Item.final_method != FinalMethod.GOLD,
        )
        .group_by(Annotation.suggestion_shown)
    )
    return {bool(shown): (int(same or 0), int(total)) for shown, same, total in rows}
