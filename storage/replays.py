"""Seen request signatures: one `INSERT ... ON CONFLICT DO NOTHING` per admitted request.

The insert is the check: of two processes admitting the same signature at once, exactly one
row is written, so exactly one of them sees a first delivery. (RETURNING says which: psycopg
reports no row count for this statement.)

Every request pays for a claim, so it is kept off the path of the answers it guards:

- PostgreSQL: the shared database's `seen_requests` table, one autocommit statement on a pool
  of its own, without waiting for the WAL flush (a claim lost in a server crash reopens a
  replay window of minutes for requests every listener handles idempotently anyway).
- SQLite: a file beside the database (`<database>-requests`), which every process on the host
  shares; claims in the database itself would queue behind every answer for its one writer.
  The `seen_requests` table of the database stays empty there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.sql.dml import Insert

from storage.db import is_sqlite, make_engine
from storage.models import Base, SeenRequest

_TABLE = Base.metadata.tables[SeenRequest.__tablename__]
#: How long a claim waits for a connection or for the side file's write lock.
CLAIM_WAIT_SECONDS = 0.25


def _claim(insert: Any) -> Insert:
    statement: Insert = (
        insert(_TABLE)
        .on_conflict_do_nothing(index_elements=["signature"])
        .returning(_TABLE.c.signature)
    )
    return statement


_CLAIM = {"postgresql": _claim(postgresql.insert), "sqlite": _claim(sqlite.insert)}


def make_claims_engine(database_url: str) -> Engine:
    """The engine claims are made on (see the module's docstring); dispose it when done."""
    if is_sqlite(database_url):
        path = make_url(database_url).database
        url = f"sqlite:///{path}-requests" if path and path != ":memory:" else database_url
        engine = make_engine(url, write_wait=CLAIM_WAIT_SECONDS)
        _TABLE.create(engine, checkfirst=True)
        return engine
    return make_engine(
        database_url,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=False,  # a dropped connection fails one claim, which lets its request by
        pool_size=4,
        pool_timeout=CLAIM_WAIT_SECONDS,
        connect_args={"options": "-c synchronous_commit=off", "connect_timeout": 2},
    )


def claim_signature(engine: Engine, signature: str, now: datetime) -> bool:
    """Record `signature`; False when it was recorded before (the request is a replay)."""
    statement = _CLAIM[engine.dialect.name]
    with engine.begin() as connection:
        row = connection.execute(statement, {"signature": signature, "received_at": now})
        return row.scalar() is not None


def forget_signatures(engine: Engine, *, before: datetime) -> int:
    """Signatures older than the timestamp window can no longer pass verification anyway."""
    with engine.begin() as connection:
        stale = delete(SeenRequest).where(SeenRequest.received_at < before)
        result = connection.execute(stale)
        return int(getattr(result, "rowcount", 0) or 0)
