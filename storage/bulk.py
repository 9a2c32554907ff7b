"""Bulk writes for imports: Core `INSERT ... ON CONFLICT DO NOTHING` executemany, no ORM objects.

Functions take the caller's session and never commit: an import is one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, null, select
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
    raise NotImplementedError(f"bulk insert is not supported on {dialect}")


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


def prepare_bulk_session(session: Session) -> None:
    """Tune the session's connection for a large import (SQLite page cache; no-op elsewhere)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")


def insert_items(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert item rows, skipping any whose (project_id, external_id) exists.

    Drivers disagree on `rowcount` for executemany (psycopg reports none), so callers count
    with `count_items` before and after instead.
    """
    if not rows:
        return
    now = utcnow()
    for row in rows:
        row.setdefault("status", ItemStatus.OPEN)
        row.setdefault("created_at", now)
    _sql_nulls(rows, ("gold_answer", "prediction", "final_label"))
    statement = _insert_ignoring_conflicts(session, Item.__table__, ["project_id", "external_id"])
    session.connection().execute(statement, list(rows))


def insert_annotations(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert annotation rows; one that would be a second current answer by the same person on
    the same item (the partial unique index) is skipped."""
    if not rows:
        return
    _sql_nulls(rows, ("value",))
    statement = _insert_ignoring_conflicts(session, Annotation.__table__, None)
    session.connection().execute(statement, list(rows))


def count_items(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count()).where(Item.project_id == project_id)) or 0


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
