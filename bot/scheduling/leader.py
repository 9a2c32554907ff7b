"""Leader election for scheduled work: exactly one process posts digests and runs upkeep.

PostgreSQL: a session-level advisory lock held on a dedicated connection outside the pool.
When the holder dies its connection closes, the server releases the lock, and the next process
to try takes over (each process tries again before every job). SQLite, which serves processes on
one host: an exclusive `flock` on `<database>-scheduler.lock`, released by the kernel when the
holder exits. Jobs stay idempotent anyway (digest runs are claimed in the database).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

#: Any 64-bit constant shared by every process of a deployment ("labeler" in ASCII).
ADVISORY_LOCK_KEY = 0x6C6162656C6572


class LeaderLock:
    """`is_leader()` is cheap when already leading; otherwise it tries once, without waiting."""

    def __init__(self, database_url: str) -> None:
        self._url = make_url(database_url)
        self._lock = threading.Lock()
        self._connection: Any = None
        self._fd: int | None = None

    def is_leader(self) -> bool:
        with self._lock:
            try:
                if self._url.get_backend_name() == "sqlite":
                    return self._hold_file_lock()
                return self._hold_advisory_lock()
            except (OSError, psycopg.Error) as exc:
                log.warning("leader check failed (%s); not leading", type(exc).__name__)
                self._drop()
                return False

    def release(self) -> None:
        with self._lock:
            self._drop()

    def _hold_file_lock(self) -> bool:
        if self._fd is not None:
            return True
        database = self._url.database or ""
        if not database or database == ":memory:":
            return True  # one process by definition
        fd = os.open(f"{database}-scheduler.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        log.info("this process now runs the scheduled jobs")
        return True

    def _hold_advisory_lock(self) -> bool:
        if self._connection is not None:
            self._connection.execute("SELECT 1")  # raises if the session (and its lock) is gone
            return True
        url = self._url.set(drivername="postgresql")
        connection = psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
        )
        acquired = connection.execute(
            "SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)
        ).fetchone()
        if not acquired or not acquired[0]:
            connection.close()
            return False
        self._connection = connection
        log.info("this process now runs the scheduled jobs")
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except psycopg.Error:
                pass
            self._connection = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
