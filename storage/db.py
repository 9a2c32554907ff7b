"""Engine and session set-up for SQLite (embedded default) and PostgreSQL (teams at scale)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        writer = _WriterLock()
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", writer.begin)
        event.listen(engine.pool, "checkin", writer.checkin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _WriterLock:
    """Take SQLite's write lock when a transaction starts, queueing this process's threads first.

    A deferred transaction that reads and then writes fails with SQLITE_BUSY when another writer
    committed in between; `BEGIN IMMEDIATE` makes read-then-write steps (choosing the next
    item, recording an answer) atomic across threads and processes. Threads of one process wait
    on a Python lock (woken at once) instead of SQLite's busy handler, which sleeps up to 100 ms
    between tries and made tail latency under load ten times worse. The lock is given up when
    the connection returns to the pool (after its COMMIT or ROLLBACK has run), and never waited
    on for longer than the busy timeout (SQLite's own locking still applies after that).
    """

    _HELD = "sqlite_writer_lock_held"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a snapshot read: no write lock, no waiting
            return
        record_info = connection.info
        if not record_info.get(self._HELD):
            record_info[self._HELD] = self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(self._HELD, False):
            self._lock.release()


SessionFactory = sessionmaker[Session]

#: Execution option marking a transaction that only reads (see `read_only`).
READ_ONLY = "labeler_read_only"


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def read_only(factory: SessionFactory) -> Iterator[Session]:
    """A session for work that only reads (rendering a card, a lookup).

    On SQLite it starts a deferred transaction, a WAL snapshot that never waits for writers,
    so rendering after the ack does not hold up the next person's answer. It is rolled back.
    """
    bind = factory.kw["bind"]
    session = factory(bind=bind.execution_options(**{READ_ONLY: True}))
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@contextmanager
def unit_of_work(factory: SessionFactory) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back (and re-raise) otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
