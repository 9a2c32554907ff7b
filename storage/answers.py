"""Storing one answer on the click path: a single `INSERT ... ON CONFLICT DO NOTHING`.

A person has at most one current answer per item (the partial unique index
`uq_annotations_current_per_annotator`). Letting the database skip a conflicting row replaces a
SAVEPOINT, an ORM flush and a RELEASE per click, and stays correct whatever path raced us (a
channel-mode answer, an import).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.dml import Insert

from storage.models import Annotation, AnnotationSource

_TABLE = Annotation.__table__
_COLUMNS = tuple(c.key for c in _TABLE.columns if c.key != "id")


def _insert_current(insert: Any) -> Insert:
    statement: Insert = (
        insert(_TABLE)
        .on_conflict_do_nothing(
            index_elements=["item_id", "annotator"],
            index_where=_TABLE.c.superseded_at.is_(None),
        )
        .returning(_TABLE.c.id)
    )
    return statement


_INSERT_CURRENT = {
    "postgresql": _insert_current(postgresql.insert),
    "sqlite": _insert_current(sqlite.insert),
}


def add_current_answer(session: Session, annotation: Annotation) -> bool:
    """Insert a new, current answer; False (and nothing stored) if the person already has one.

    On success the object becomes part of the session as if it had been loaded, so callers use
    it like any other row (its id is set) without a second round trip.
    """
    if annotation.source is None:
        annotation.source = AnnotationSource.SLACK
    if annotation.suggestion_shown is None:
        annotation.suggestion_shown = False
    values = {key: getattr(annotation, key) for key in _COLUMNS}
    statement = _INSERT_CURRENT[session.get_bind().dialect.name]
    new_id = session.connection().execute(statement, values).scalar()
    if new_id is None:
        return False
    annotation.id = new_id
    make_transient_to_detached(annotation)
    session.add(annotation)
    return True
