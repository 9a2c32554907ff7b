"""Read a project's items for export in id order, one batch at a time, with their annotations,
latest review and discussion fetched per batch (`IN` on the batch's ids), so memory stays flat
whatever the project's size.

This is the export's hot path, so rows are Core rows (no ORM objects) and JSON, timestamp and
enum columns come back raw, skipping SQLAlchemy's per-value result processing: timestamps are
strings on SQLite and datetimes on PostgreSQL, enums are their stored strings. On SQLite a JSON
column comes back as minified JSON text (SQLite's `json()`, run in C), which the JSON Lines
export splices into its output as it is; on PostgreSQL psycopg has already parsed it. The
statements are built once per dialect with `expanding` id lists, so a batch costs no
statement compilation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    Row,
    Select,
    String,
    bindparam,
    case,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from storage.models import Annotation, Comment, Item, Review

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


def _raw(column: Any, sqlite: bool) -> Any:
    """The column without result processing when it is JSON, a timestamp or an enum.

    SQLite JSON goes through `json()` to come back minified, but only when valid: SQLite
    rejects `NaN`, which Python's encoder writes, and one such legacy value must not abort an
    export (the caller re-encodes text it cannot splice, see `export_json.JsonText`).
    """
    if sqlite and isinstance(column.type, JSON):
        minified = case((func.json_valid(column) == 1, func.json(column)), else_=column)
        return type_coerce(minified, String).label(column.key)
    if isinstance(column.type, JSON | DateTime | Enum):
        return type_coerce(column, String).label(column.key)
    return column


_FIRST: BindParameter[int] = bindparam("first")
_LAST: BindParameter[int] = bindparam("last")


@cache
def _statements(sqlite: bool) -> tuple[Select[Any], Select[Any], Select[Any], Select[Any]]:
    """Items page, annotations, reviews and comments of a batch; built once per dialect.

    A batch's related rows are fetched by the id range of its items (an index range scan, no
    list of thousands of bound ids to render per query); rows of items outside the batch,
    which only other projects can have, are dropped by `_related`.

    The items page's project test is written `+items.project_id` (unary plus, valid on SQLite
    and PostgreSQL) so SQLite walks the primary key instead of picking the (project_id, ...)
    queue index and sorting the whole project for every batch, which made exports quadratic.
    """

    def columns(group: Sequence[Any]) -> list[Any]:
        return [_raw(column, sqlite) for column in group]

    items = (
        select(*columns(ITEM_COLUMNS))
        .where(text("+items.project_id = :project_id"), Item.id > bindparam("after"))
        .order_by(Item.id)
        .limit(bindparam("limit"))
    )
    annotations = (
        select(*columns(ANNOTATION_COLUMNS))
        .where(Annotation.item_id.between(_FIRST, _LAST))
        .order_by(Annotation.item_id, Annotation.id)
    )
    reviews = (
        select(*columns(REVIEW_COLUMNS))
        .where(Review.item_id.between(_FIRST, _LAST))
        .order_by(Review.id)
    )
    comments = (
        select(*columns(COMMENT_COLUMNS))
        .where(Comment.item_id.between(_FIRST, _LAST), Comment.deleted_at.is_(None))
        .order_by(Comment.item_id, Comment.created_at, Comment.id)
    )
    return items, annotations, reviews, comments


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def count_items(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count()).where(Item.project_id == project_id)) or 0


def json_decoder(session: Session) -> Callable[[Any], Any]:
    """Decode a raw JSON column value: SQLite gives text, psycopg has already parsed it."""
    if not _is_sqlite(session):
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
    """Keyset pagination on `items.id`: each query starts after the last id seen."""
    statement = _statements(_is_sqlite(session))[0]
    after = 0
    while True:
        parameters = {"project_id": project_id, "after": after, "limit": batch_size}
        rows = session.connection().execute(statement, parameters).all()
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _related(
    session: Session, which: int, item_ids: Sequence[int]
) -> Iterator[tuple[int, Iterator[Row[Any]]]]:
    """(item id, its rows) for the batch's items, in id order (`item_ids` is ascending)."""
    statement = _statements(_is_sqlite(session))[which]
    rows = session.connection().execute(statement, {"first": item_ids[0], "last": item_ids[-1]})
    wanted = set(item_ids)
    return ((key, group) for key, group in groupby(rows, key=_ITEM_ID) if key in wanted)


_ITEM_ID = itemgetter(0)


def annotations_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Every annotation (current and superseded), oldest first, grouped by item."""
    return {key: list(group) for key, group in _related(session, 1, item_ids)}


def latest_review_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The most recent review of each item (the one that explains its current state)."""
    latest: dict[int, Row[Any]] = {}
    for key, group in _related(session, 2, item_ids):
        for row in group:
            latest[key] = row
    return latest


def discussion_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Review-thread comments that were not deleted, oldest first."""
    return {key: list(group) for key, group in _related(session, 3, item_ids)}
