"""Read a project's items for export in id order, one batch at a time, with their annotations,
latest review and discussion fetched per batch (`IN` on the batch's ids), so memory stays flat
whatever the project's size.

This is the export's hot path, so rows are Core rows (no ORM objects) and JSON and timestamp
columns come back raw, skipping SQLAlchemy's per-value result processing: timestamps are
strings on SQLite and datetimes on PostgreSQL (`export.iso` takes both), JSON columns are
decoded by `json_decoder`, which caches the few distinct short values (labels) it sees.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, Row, String, func, select, text, type_coerce
from sqlalchemy.orm import Session

from storage.models import Annotation, Comment, Item, Review


def _raw(column: Any) -> Any:
    """The column without result processing when it is JSON, a timestamp or an enum."""
    if isinstance(column.type, JSON | DateTime | Enum):
        return type_coerce(column, String).label(column.key)
    return column


ITEM_COLUMNS = (
    Item.id,
    Item.external_id,
    Item.data,
    Item.source,
    Item.source_ref,
    Item.priority,
    Item.required_answers,
    Item.answer_count,
    Item.is_gold,
    Item.gold_answer,
    Item.prediction,
    Item.prediction_score,
    Item.status,
    Item.final_label,
    Item.final_method,
    Item.created_at,
    Item.completed_at,
)
ANNOTATION_COLUMNS = (
    Annotation.item_id,
    Annotation.annotator,
    Annotation.value,
    Annotation.unsure,
    Annotation.unsure_reason,
    Annotation.unsure_note,
    Annotation.seconds,
    Annotation.guideline_version,
    Annotation.source,
    Annotation.created_at,
    Annotation.superseded_at,
)
REVIEW_COLUMNS = (
    Review.item_id,
    Review.reason,
    Review.status,
    Review.resolution,
    Review.resolver,
    Review.resolution_note,
    Review.created_at,
    Review.resolved_at,
)
COMMENT_COLUMNS = (Comment.item_id, Comment.author, Comment.text, Comment.created_at)


def count_items(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count()).where(Item.project_id == project_id)) or 0


def json_decoder(session: Session) -> Callable[[Any], Any]:
    """Decode a raw JSON column value: SQLite gives text, psycopg has already parsed it."""
    if session.get_bind().dialect.name != "sqlite":
        return lambda raw: raw
    cache: dict[str, Any] = {}
    loads = json.loads

    def decode(raw: str | None) -> Any:
        if raw is None:
            return None
        if len(raw) > 40:
            return loads(raw)
        try:
            return cache[raw]
        except KeyError:
            value = loads(raw)
            if len(cache) < 10_000:
                cache[raw] = value
            return value

    return decode


def item_batches(
    session: Session, project_id: int, batch_size: int = 2_000
) -> Iterator[Sequence[Row[Any]]]:
    """Keyset pagination on `items.id`: each query starts after the last id seen.

    The project test is written `+items.project_id` (unary plus, valid on SQLite and
    PostgreSQL) so SQLite walks the primary key instead of picking the (project_id, ...) queue
    index and sorting the whole project for every batch, which made exports quadratic.
    """
    in_project = text("+items.project_id = :project_id").bindparams(project_id=project_id)
    after = 0
    while True:
        rows = (
            session.connection()
            .execute(
                select(*map(_raw, ITEM_COLUMNS))
                .where(in_project, Item.id > after)
                .order_by(Item.id)
                .limit(batch_size)
            )
            .all()
        )
        if not rows:
            return
        yield rows
        after = rows[-1].id


def annotations_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Every annotation (current and superseded), oldest first, grouped by item."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    rows = (
        session.connection()
        .execute(
            select(*map(_raw, ANNOTATION_COLUMNS))
            .where(Annotation.item_id.in_(item_ids))
            .order_by(Annotation.item_id, Annotation.id)
        )
        .all()
    )
    for row in rows:
        grouped[row.item_id].append(row)
    return grouped


def latest_review_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The most recent review of each item (the one that explains its current state)."""
    latest: dict[int, Row[Any]] = {}
    rows = (
        session.connection()
        .execute(
            select(*map(_raw, REVIEW_COLUMNS))
            .where(Review.item_id.in_(item_ids))
            .order_by(Review.id)
        )
        .all()
    )
    for row in rows:
        latest[row.item_id] = row
    return latest


def discussion_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Review-thread comments that were not deleted, oldest first."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    rows = (
        session.connection()
        .execute(
            select(*map(_raw, COMMENT_COLUMNS))
            .where(Comment.item_id.in_(item_ids), Comment.deleted_at.is_(None))
            .order_by(Comment.item_id, Comment.created_at, Comment.id)
        )
        .all()
    )
    for row in rows:
        grouped[row.item_id].append(row)
    return grouped
