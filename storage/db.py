"""Engine and session set-up for SQLite (embedded default) and PostgreSQL (teams at scale)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from storage.sqlite_writer import WriterQueue

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: What a Slack request waits for SQLite's write lock: it must still ack within 3 seconds.
SLACK_WRITE_WAIT = 2.0
#: Execution option marking a transaction that only reads (see `read_only`).
READ_ONLY = "labeler_read_only"


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(
    url: str, *, write_wait: float = SQLITE_BUSY_TIMEOUT_MS / 1000, **kwargs: Any
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    `write_wait` bounds how long a SQLite transaction waits for the write lock before failing
    with OperationalError ("database is locked"); the bot passes a short one (see
    `SLACK_WRITE_WAIT`), command-line tools keep the default.
    """
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        writer = WriterQueue(engine.url.database, READ_ONLY, write_wait)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", writer.begin)
        event.listen(engine.pool, "checkin", writer.checkin)
        event.listen(engine.pool, "close", writer.close)
        return engine
    ping_if_idle = kwargs.pop("pool_pre_ping", True)
    # The same bound on PostgreSQL: a statement waiting longer for a lock fails instead. Added
    # to any `options` the URL already carries (e.g. a search_path), which connect_args would
    # otherwise replace.
    url_options = make_url(url).query.get("options", "")
    lock_timeout = f"-c lock_timeout={int(write_wait * 1000)}"
    options = " ".join(filter(None, [str(url_options), lock_timeout]))
    kwargs.setdefault("connect_args", {"options": options})
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    engine = create_engine(url, **kwargs)
    if ping_if_idle:
        _ping_idle_connections(engine)
    return engine


#: A pooled PostgreSQL connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0
_LAST_USED = "labeler_last_used"


def _ping_idle_connections(engine: Engine) -> None:
    """Like `pool_pre_ping`, but only for a connection that sat idle: under load every click
    checks out a connection used a moment ago, and a ping each time was one round trip in
    fourteen. A server restarted meanwhile fails one transaction, whose disconnect error
    makes the pool drop every connection it holds; the next checkout connects afresh."""

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure: the pool reconnects
            raise DisconnectionError("a pooled connection failed its ping") from exc

    event.listen(engine.pool, "checkin", checkin)
    event.listen(engine.pool, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see storage.sqlite_writer).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


SessionFactory = sessionmaker[Session]


def make_session_factory(engine: Engine) -> SessionFactory:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_transaction_end", _forget_transaction_memos)
    return factory


#: `session.info` keys holding what one transaction has read (see `storage.click_reads`).
TRANSACTION_MEMOS: set[str] = set()


def _forget_transaction_memos(session: Session, transaction: Any) -> None:
    """What a transaction read is not known to the next one (a session may outlive it)."""
    if transaction.parent is None:
        for key in TRANSACTION_MEMOS:
            session.info.pop(key, None)


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


def execute_core(
    session: Session, statement: Executable, params: Mapping[str, Any] | None = None
) -> Any:  # a CursorResult, whose row type SQLAlchemy 2.0 and 2.1 spell differently
    """Run a Core statement (built on tables, not mapped classes) in the session's transaction,
    past the ORM's execution layer, which cost about 0.1 ms per statement on the click path.

    Pending ORM changes are flushed first, as autoflush would before a query. Rows written
    this way are not reflected in loaded objects: the caller updates those it keeps using.
    """
    session.flush()
    return session.connection().execute(statement, params)
