"""Read a project's items for export in id order, one batch at a time, with their annotations,
latest review and discussion fetched per batch (by the batch's id range), so memory stays flat
whatever the project's size.

This is the export's hot path, so rows are Core rows (no ORM objects) and JSON, timestamp and
enum columns come back raw, skipping SQLAlchemy's per-value result processing: timestamps are
strings on SQLite and datetimes on PostgreSQL, enums their stored strings, JSON is decoded by
`json_decoder`. For the JSON Lines export on SQLite, `line_statements` select the same rows
with each column already rendered as JSON text by SQLite. Statements are built once.
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
    Boolean,
    Connection,
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
    true,
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
    Item.label_confidence,
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
    Review.reasons,
    Review.status,
    Review.resolution,
    Review.resolver,
    Review.resolution_note,
    Review.created_at,
    Review.resolved_at,
)
COMMENT_COLUMNS = (Comment.item_id, Comment.author, Comment.text, Comment.created_at)


def _raw(column: Any) -> Any:
    """The column without result processing when it is JSON, a timestamp or an enum."""
    if isinstance(column.type, JSON | DateTime | Enum):
        return type_coerce(column, String).label(column.key)
    return column


_FIRST: BindParameter[int] = bindparam("first")
_LAST: BindParameter[int] = bindparam("last")


@cache
def _statements(
    decided_only: bool = False,
) -> tuple[Select[Any], Select[Any], Select[Any], Select[Any]]:
    """Items page, annotations, reviews and comments of a batch; built once (per variant:
    `decided_only` leaves out items without a final label).

    A batch's related rows are fetched by the id range of its items (see `_related`).

    The items page's project test is written `+items.project_id` (unary plus, valid on SQLite
    and PostgreSQL) so SQLite walks the primary key instead of picking the (project_id, ...)
    queue index and sorting the whole project for every batch, which made exports quadratic.
    """

    def columns(group: Sequence[Any]) -> list[Any]:
        return [_raw(column) for column in group]

    items = (
        select(*columns(ITEM_COLUMNS))
        .where(text("+items.project_id = :project_id"), Item.id > bindparam("after"))
        .order_by(Item.id)
        .limit(bindparam("limit"))
    )
    if decided_only:
        items = items.where(Item.final_method.is_not(None))
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


#: What a JSON Lines fragment holds where SQLite cannot produce the exact text Python would
#: (invalid stored JSON, a timestamp in another format). It contains `\u`, which sends the
#: whole line to the careful path (see `bot.dataio.export_json`).
UNSPLICEABLE = "\\u"


def _fragment(column: Any) -> Any:
    """SQLite SQL computing the column's JSON text as `json` would write it (run in C).

    Strings via `json_quote` (escapes exactly as Python's encoder with ensure_ascii=False;
    NULL gives `null`), JSON minified by `json()`, timestamps (`YYYY-MM-DD HH:MM:SS.ffffff`,
    UTC) as `iso` formats them, booleans as `true`/`false`. Integers and floats stay raw:
    SQLite prints floats differently from Python's `repr`.
    """
    kind = column.type
    if isinstance(kind, JSON):
        return case(
            (column.is_(None), "null"),
            (func.json_valid(column) == 1, func.json(column)),
            else_=UNSPLICEABLE,
        )
    if isinstance(kind, DateTime):
        raw = type_coerce(column, String)
        fraction = func.substr(raw, 20)
        standard = (
            (func.length(raw) == 26)
            & (func.substr(raw, 11, 1) == " ")
            & (func.substr(raw, 20, 1) == ".")
        )
        return case(
            (column.is_(None), "null"),
            (
                standard,
                func.printf(
                    '"%sT%s%s+00:00"',
                    func.substr(raw, 1, 10),
                    func.substr(raw, 12, 8),
                    case((fraction == ".000000", ""), else_=fraction),
                ),
            ),
            else_=UNSPLICEABLE,
        )
    if isinstance(kind, Boolean):
        return case((column == true(), "true"), else_="false")
    if isinstance(kind, String | Enum):
        return func.json_quote(type_coerce(column, String))
    return column


def _superseded_flag() -> Any:
    return case((Annotation.superseded_at.is_(None), "false"), else_="true")


@cache
def line_statements(
    decided_only: bool = False,
) -> tuple[Select[Any], Select[Any], Select[Any], Select[Any]]:
    """SQLite statements for the JSON Lines export: the same rows and order as `_statements`,
    columns as JSON text fragments, floats first (raw, formatted by Python), an annotation's
    `superseded` flag after its `created_at`. See `bot.dataio.export_json.SqliteLines`."""

    def columns(group: Sequence[Any], *numbers: Any) -> list[Any]:
        key, *rest = group
        fragments = [_fragment(c).label(c.key) for c in rest if c not in numbers]
        return [key, *numbers, *fragments]

    generic = _statements(decided_only)
    items = columns(ITEM_COLUMNS, Item.prediction_score, Item.label_confidence)
    annotations = columns(ANNOTATION_COLUMNS, Annotation.seconds)
    annotations.insert(-1, _superseded_flag().label("superseded"))
    return (
        generic[0].with_only_columns(*items),
        generic[1].with_only_columns(*annotations),
        generic[2].with_only_columns(*columns(REVIEW_COLUMNS)),
        generic[3].with_only_columns(*columns(COMMENT_COLUMNS)),
    )


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def count_items(session: Session, project_id: int, *, decided: bool | None = None) -> int:
    """The project's items; only decided (or only undecided) ones when `decided` says so."""
    query = select(func.count()).where(Item.project_id == project_id)
    if decided is not None:
        query = query.where(
            Item.final_method.is_not(None) if decided else Item.final_method.is_(None)
        )
    return session.scalar(query) or 0


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


#: One batch: item rows, and per item id its annotations, latest review and comments.
Batch = tuple[
    Sequence[Row[Any]], dict[int, list[Row[Any]]], dict[int, Row[Any]], dict[int, list[Row[Any]]]
]


def batches(
    session: Session,
    project_id: int,
    batch_size: int = 2_000,
    *,
    fragments: bool = False,
    after: int = 0,
    decided_only: bool = False,
) -> Iterator[Batch]:
    """The project's items in id order, a batch at a time, with their related rows (three
    more queries per batch). Keyset pagination on `items.id`: each page starts after the last
    id seen. `fragments` (SQLite only) selects the columns as JSON text (`line_statements`)."""
    statements = line_statements(decided_only) if fragments else _statements(decided_only)
    connection = session.connection()
    while True:
        parameters = {"project_id": project_id, "after": after, "limit": batch_size}
        items = connection.execute(statements[0], parameters).all()
        if not items:
            return
        ids = [item[0] for item in items]
        reviews: dict[int, Row[Any]] = {}
        for key, group in _related(connection, statements[2], ids):
            for row in group:  # ordered by review id: the last one is the latest
                reviews[key] = row
        yield (
            items,
            {key: list(group) for key, group in _related(connection, statements[1], ids)},
            reviews,
            {key: list(group) for key, group in _related(connection, statements[3], ids)},
        )
        after = items[-1][0]


_ITEM_ID = itemgetter(0)


def _related(
    connection: Connection, statement: Select[Any], item_ids: Sequence[int]
) -> Iterator[tuple[int, Iterator[Row[Any]]]]:
    """(item id, its rows) for a batch's items (ascending ids), fetched by their id range: an
    index range scan, no list of thousands of bound ids to render. Rows of items outside the
    batch, which only other projects can have, are dropped."""
    rows = connection.execute(statement, {"first": item_ids[0], "last": item_ids[-1]})
    wanted = set(item_ids)
    return ((key, group) for key, group in groupby(rows, _ITEM_ID) if key in wanted)
