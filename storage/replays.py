"""Seen request signatures: one `INSERT ... ON CONFLICT DO NOTHING` per admitted request.

The insert is the check: of two processes admitting the same signature at once, exactly one
row is written, so exactly one of them sees a first delivery. (RETURNING says which: psycopg
reports no row count for this statement.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.models import SeenRequest

_TABLE = SeenRequest.__table__


def _claim(insert: Any) -> Insert:
    statement: Insert = (
        insert(_TABLE)
        .on_conflict_do_nothing(index_elements=["signature"])
        .returning(_TABLE.c.signature)
    )
    return statement


_CLAIM = {"postgresql": _claim(postgresql.insert), "sqlite": _claim(sqlite.insert)}


def claim_signature(session: Session, signature: str, now: datetime) -> bool:
    """Record `signature`; False when it was recorded before (the request is a replay)."""
    statement = _CLAIM[session.get_bind().dialect.name]
    values = {"signature": signature, "received_at": now}
    return session.connection().execute(statement, values).scalar() is not None


def forget_signatures(session: Session, *, before: datetime) -> int:
    """Signatures older than the timestamp window can no longer pass verification anyway."""
    result = session.execute(delete(SeenRequest).where(SeenRequest.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
