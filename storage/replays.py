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

from sqlalchemy import Engine, delete, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from storage.db import is_sqlite, make_engine
from storage.models import Base, SeenRequest

_TABLE = Base.metadata.tables[SeenRequest.__tablename__]
#: How long a claim waits for a connection or for the side file's write lock.
CLAIM_WAIT_SECONDS = 0.25


#: The claim as the driver takes it. Sent on the driver's connection: the claim is one
#: autocommit statement, and SQLAlchemy's execution around it (compiled-cache look-up, result
#: set-up, on SQLite the writer queue's BEGIN IMMEDIATE and COMMIT) cost a click more than
#: the statement itself (bench/README.md, "Label clicks").
_CLAIM_SQL = {
    "sqlite": "INSERT INTO seen_requests (signature, received_at) VALUES (?, ?) "
    "ON CONFLICT (signature) DO NOTHING RETURNING signature",
    "postgresql": "INSERT INTO seen_requests (signature, received_at) VALUES (%s, %s) "
    "ON CONFLICT (signature) DO NOTHING RETURNING signature",
}


def make_claims_engine(database_url: str) -> Engine:
    """The engine claims are made on (see the module's docstring); dispose it when done."""
    if is_sqlite(database_url):
        path = make_url(database_url).database
        url = f"sqlite:///{path}-requests" if path and path != ":memory:" else database_url
        engine = make_engine(url, write_wait=CLAIM_WAIT_SECONDS)
        # The claim is an autocommit INSERT (no writer queue): SQLite's own wait bounds it.
        event.listen(engine, "connect", _claim_wait)
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


def _claim_wait(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA busy_timeout={int(CLAIM_WAIT_SECONDS * 1000)}")


def claim_signature(engine: Engine, signature: str, now: datetime) -> bool:
    """Record `signature`; False when it was recorded before (the request is a replay).

    A driver error is raised as SQLAlchemy's (an OperationalError when the database is
    unreachable or, on SQLite, the write lock was not had in `CLAIM_WAIT_SECONDS`)."""
    sql = _CLAIM_SQL[engine.dialect.name]
    params = (signature, _stored_time(engine, now))
    dbapi = engine.dialect.loaded_dbapi
    connection = engine.raw_connection()  # the pool's checkout (and its idle ping) as ever
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params)
            claimed = cursor.fetchone() is not None
        finally:
            cursor.close()
        connection.commit()  # nothing to commit in autocommit; harmless otherwise
        return claimed
    except dbapi.Error as exc:
        if engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):
            connection.invalidate(exc)  # as SQLAlchemy would: the pool connects afresh
        raise DBAPIError.instance(sql, params, exc, dbapi.Error) from exc
    finally:
        connection.close()


def _stored_time(engine: Engine, now: datetime) -> Any:
    """`now` as SQLAlchemy stores it in `received_at` (on SQLite, its text format), so
    `forget_signatures` compares like with like."""
    name = engine.dialect.name
    if name not in _TIME_PROCESSORS:
        _TIME_PROCESSORS[name] = _TABLE.c.received_at.type.bind_processor(engine.dialect)
    process = _TIME_PROCESSORS[name]
    return process(now) if process is not None else now


_TIME_PROCESSORS: dict[str, Any] = {}


def forget_signatures(engine: Engine, *, before: datetime) -> int:
    """Signatures older than the timestamp window can no longer pass verification anyway."""
    with engine.begin() as connection:
        stale = delete(SeenRequest).where(SeenRequest.received_at < before)
        result = connection.execute(stale)
        return int(getattr(result, "rowcount", 0) or 0)
