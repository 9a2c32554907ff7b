"""Bulk writes for imports: `INSERT ... ON CONFLICT DO NOTHING` executemany, no ORM objects.

Functions take the caller's session and never commit: an import is one transaction.
"""

from __future__ import annotations

import queue
import re
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, func, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.models import Annotation, Item, ItemStatus, utcnow


def _insert_ignoring_conflicts(session: Session, table: Any, index: list[str] | None) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        return (
            pg.on_conflict_do_nothing(index_elements=index)
            if index
            else pg.on_conflict_do_nothing()
        )
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        return (
            lite.on_conflict_do_nothing(index_elements=index)
            if index
            else lite.on_conflict_do_nothing()
        )
    raise ValueError(f"bulk import supports SQLite and PostgreSQL, not {dialect}")


_SQL_NULL = null()


def _sql_nulls(rows: Sequence[dict[str, Any]], json_keys: tuple[str, ...]) -> None:
    """A None in a JSON column would be stored as the JSON text `null`; store SQL NULL, as the
    ORM does for an attribute left unset, so `IS NULL` queries see it."""
    for row in rows:
        for key in json_keys:
            if row.get(key, 0) is None:
                row[key] = _SQL_NULL


#: SQLite's default page cache (2 MB) is far smaller than the items indexes of a large import,
#: which then thrash; 64 MB keeps the B-tree pages being appended to in memory.
SQLITE_BULK_CACHE_KIB = 65_536

#: The columns an import writes, in the order of `_sqlite_item_rows`' tuples.
_ITEM_COLUMNS = (
    "project_id, external_id, data, source, source_ref, priority, required_answers, "
    "answer_count, is_gold, gold_answer, prediction, prediction_score, status, created_at"
)
#: Many rows per statement (`{rows}`): one `execute` binds them all and SQLite then inserts
#: them in one step with the GIL released, where `executemany` would take and give back the
#: GIL for every row and starve the background writer (see `_SqliteWriter`).
_SQLITE_INSERT_ITEMS = (
    f"INSERT INTO items ({_ITEM_COLUMNS}) VALUES {{rows}} "
    "ON CONFLICT (project_id, external_id) DO NOTHING"
)
_SQLITE_ROW = "(?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)"
_SQLITE_ROW_PARAMETERS = 13
#: 26,000 variables a statement, under SQLite's default limit of 32,766 (since 3.32).
_SQLITE_ROWS_PER_STATEMENT = 2_000
Statement = tuple[str, tuple[Any, ...]]
#: A per-row insert trigger of the shape migration 0003 creates for the search index.
_INDEX_TRIGGER = re.compile(
    r"CREATE TRIGGER (\w+) AFTER INSERT ON items BEGIN "
    r"INSERT INTO (\w+)\(rowid, body\) VALUES \(new\.id, (.+)\); END",
    re.DOTALL,
)
ItemRows = Sequence[dict[str, Any]]


def _rows_per_statement(connection: Connection) -> int:
    """As many rows as the connection's variable limit allows, up to 2,000 (older SQLite
    builds allow only 999 variables)."""
    dbapi = connection.connection.dbapi_connection
    limit = int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # type: ignore[union-attr]
    return max(1, min(_SQLITE_ROWS_PER_STATEMENT, limit // _SQLITE_ROW_PARAMETERS))


def _sqlite_statements(session: Session, rows: ItemRows, per_statement: int) -> list[Statement]:
    """The batch as multi-row INSERT statements with their flattened parameters."""
    values = _sqlite_item_rows(session, rows)
    statements = []
    for start in range(0, len(values), per_statement):
        chunk = values[start : start + per_statement]
        sql = _SQLITE_INSERT_ITEMS.format(rows=", ".join([_SQLITE_ROW] * len(chunk)))
        statements.append((sql, tuple([value for row in chunk for value in row])))
    return statements


def _sqlite_item_rows(session: Session, rows: ItemRows) -> list[tuple[Any, ...]]:
    """Rows as DB-API parameter tuples, serialised as SQLAlchemy would (the column types' own
    bind processors, so the stored text is what the ORM writes) but without its per-row,
    per-column processing loop, which was a third of an import's time."""
    dialect = session.get_bind().dialect
    columns = Item.__table__.c
    to_json = columns.data.type.dialect_impl(dialect).bind_processor(dialect)
    moment = columns.created_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert to_json is not None and moment is not None
    now = moment(utcnow())
    return [
        (
            row["project_id"],
            row["external_id"],
            to_json(row["data"]),
            row["source"],
            row["source_ref"],
            row["priority"],
            row["required_answers"],
            1 if row["is_gold"] else 0,
            None if (gold := row["gold_answer"]) is None else to_json(gold),
            None if (prediction := row["prediction"]) is None else to_json(prediction),
            row["prediction_score"],
            ItemStatus.OPEN.value,
            now,
        )
        for row in rows
    ]


def _insert_items_portably(session: Session, rows: ItemRows) -> None:
    """Core `INSERT ... ON CONFLICT DO NOTHING` executemany (psycopg batches it)."""
    now = utcnow()
    values = [{**row, "status": ItemStatus.OPEN, "created_at": now} for row in rows]
    _sql_nulls(values, ("gold_answer", "prediction", "final_label"))
    statement = _insert_ignoring_conflicts(session, Item.__table__, ["project_id", "external_id"])
    session.connection().execute(statement, values)


@contextmanager
def item_inserts(session: Session) -> Iterator[Callable[[ItemRows], None]]:
    """Yield a function inserting batches of item rows, skipping any whose (project_id,
    external_id) exists. Drivers disagree on `rowcount` for executemany (psycopg reports
    none), so callers count with `export_queries.count_items` before and after instead.

    On SQLite, rows go to the driver pre-serialised, and the search index's per-row insert
    trigger (migration 0003) is set aside for the import: each batch is indexed by one
    set-based statement, and the trigger is re-created from its own stored SQL at the end.
    Per row, the trigger cost five times the insert itself (200,000 rows: 7.3 s of CPU with
    it, 3.3 s set-based). It all happens in the caller's transaction, which holds SQLite's
    write lock, so no other writer sees items without the trigger and a rollback restores it.
    The SQL runs on a second thread (`_SqliteWriter`), overlapping the caller's parsing.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield lambda rows: _insert_items_portably(session, rows) if rows else None
        return
    with sqlite_cache_size(connection, SQLITE_BULK_CACHE_KIB):
        index = _SearchIndexTrigger.set_aside(connection)
        per_statement = _rows_per_statement(connection)
        writer = _SqliteWriter(connection, index)
        try:
            yield (
                lambda rows: (
                    writer.put(_sqlite_statements(session, rows, per_statement)) if rows else None
                )
            )
        except BaseException:
            writer.stop()
            if index:
                # The caller rolls back, which restores the trigger anyway; this keeps the
                # schema whole even if it does not. A failure here must not hide the original.
                with suppress(Exception):
                    index.restore()
            raise
        writer.stop()
        writer.raise_if_failed()
        if index:
            index.restore()


@contextmanager
def sqlite_cache_size(connection: Connection, kib: int) -> Iterator[None]:
    """A larger SQLite page cache for one bulk job, then the connection's own again: the
    connection goes back to the pool, and every pooled connection keeping 64 MB would add up."""
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{kib}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")


class _SqliteWriter:
    """Executes batches on one background thread, in order, while the caller parses on.

    `sqlite3` releases the GIL while SQLite works, so on two cores the inserts and the
    search indexing (about half of an import) overlap with reading and checking records.
    The queue holds at most two batches, so memory stays bounded. The caller's thread does
    not touch the connection until `stop` has joined the thread; a failure on the thread is
    raised to the caller at its next `put` or after `stop`, and later batches are dropped.
    """

    def __init__(self, connection: Connection, index: _SearchIndexTrigger | None) -> None:
        self.connection, self.index = connection, index
        self.batches: queue.Queue[list[Statement] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (batch := self.batches.get()) is not None:
            if self.error is not None:
                continue
            try:
                for sql, parameters in batch:
                    self.connection.exec_driver_sql(sql, parameters)
                if self.index:
                    self.index.catch_up()
            except BaseException as exc:  # handed to the caller's thread
                self.error = exc

    def put(self, batch: list[Statement]) -> None:
        self.raise_if_failed()
        self.batches.put(batch)

    def stop(self) -> None:
        """Wait for the queued batches; the thread's failure is left to `raise_if_failed`."""
        self.batches.put(None)
        self.thread.join()

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error


class _SearchIndexTrigger:
    """The search index's insert trigger, dropped for a bulk import and replayed set-based."""

    def __init__(self, connection: Connection, sql: str, match: re.Match[str]) -> None:
        name, table, expression = match.groups()
        self.connection, self.sql, self.name = connection, sql, name
        body = re.sub(r"\bnew\.", "items.", expression)
        self.replay = (
            f"INSERT INTO {table}(rowid, body) SELECT items.id, {body} FROM items "
            "WHERE items.id > ?"
        )
        self.indexed = self._last_id()

    @classmethod
    def set_aside(cls, connection: Connection) -> _SearchIndexTrigger | None:
        """Drop the trigger; None (trigger kept) unless it has the expected shape, so an
        unforeseen trigger is never bypassed."""
        found = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'items'"
        ).scalars()
        for sql in found:
            match = _INDEX_TRIGGER.fullmatch(sql.strip())
            if match:
                trigger = cls(connection, sql, match)
                connection.exec_driver_sql(f"DROP TRIGGER {trigger.name}")
                return trigger
        return None

    def _last_id(self) -> int:
        last = self.connection.exec_driver_sql("SELECT max(id) FROM items").scalar()
        return int(last or 0)

    def catch_up(self) -> None:
        """Index the items inserted since the last call (ids only grow: we hold the lock)."""
        self.connection.exec_driver_sql(self.replay, (self.indexed,))
        self.indexed = self._last_id()

    def restore(self) -> None:
        self.catch_up()
        self.connection.exec_driver_sql(self.sql)


def insert_annotations(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert annotation rows; one that would be a second current answer by the same person on
    the same item (the partial unique index) is skipped."""
    if not rows:
        return
    _sql_nulls(rows, ("value",))
    statement = _insert_ignoring_conflicts(session, Annotation.__table__, None)
    session.connection().execute(statement, list(rows))


def count_annotations(session: Session, project_id: int) -> int:
    query = select(func.count()).where(Annotation.project_id == project_id)
    return session.scalar(query) or 0


def item_ids_by_external_id(
    session: Session, project_id: int, external_ids: Collection[str]
) -> dict[str, int]:
    if not external_ids:
        return {}
    rows = session.execute(
        select(Item.external_id, Item.id).where(
            Item.project_id == project_id, Item.external_id.in_(list(external_ids))
        )
    )
    return {str(external_id): int(item_id) for external_id, item_id in rows}


def current_answerers(session: Session, item_ids: Collection[int]) -> set[tuple[int, str]]:
    """(item id, annotator) pairs that already have a current (not superseded) annotation."""
    if not item_ids:
        return set()
    rows = session.execute(
        select(Annotation.item_id, Annotation.annotator).where(
            Annotation.item_id.in_(list(item_ids)), Annotation.superseded_at.is_(None)
        )
    )
    return {(item_id, annotator) for item_id, annotator in rows}
