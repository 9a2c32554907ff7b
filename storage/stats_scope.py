"""Conditions every stats query shares: the UTC contract for datetimes and "current answer".

Datetimes passed to the stats queries must be timezone-aware; they are compared in UTC, which
is how every timestamp is stored (SQLite keeps them as naive UTC text).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement

from storage.models import Annotation


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is refused, since its zone would be a guess."""
    if moment.tzinfo is None:
        raise ValueError("pass timezone-aware datetimes")
    return moment.astimezone(UTC)


def current_answers(project_id: int) -> list[ColumnElement[bool]]:
    """A project's answers that still stand (a changed answer's old row is superseded)."""
    return [Annotation.project_id == project_id, Annotation.superseded_at.is_(None)]
