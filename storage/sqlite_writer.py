"""One writer at a time on a SQLite file, queued by the kernel instead of SQLite's busy loop.

A deferred transaction that reads and then writes fails with SQLITE_BUSY when another writer
committed in between, so every read-write transaction starts with `BEGIN IMMEDIATE`, which
makes read-then-write steps (choosing the next item, recording an answer) atomic across threads
and processes. SQLite's own busy handler waits by sleeping (up to 100 ms between tries), which
made tail latency under load ten times worse; so before `BEGIN IMMEDIATE` each connection takes
an exclusive `flock` on a sidecar file (`<database>-writer.lock`), polled every few hundred
microseconds up to a bound; the holder gives it up the moment its connection returns to the
pool (after its COMMIT or ROLLBACK), and the kernel releases it when a process is killed. Read-only
transactions (see `storage.db.read_only`) take neither lock: WAL readers never wait.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy.exc import OperationalError

HELD = "sqlite_writer_flock_held"
FD = "sqlite_writer_flock_fd"


def _locked() -> OperationalError:
    return OperationalError(
        "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked (writer queue)")
    )


class WriterQueue:
    """`wait_seconds` bounds the wait for the lock: a long import holds it for its whole
    transaction, and a Slack request must rather answer "busy, try again" within Slack's 3
    seconds than time out."""

    def __init__(
        self, database_path: str | None, read_only_option: str, wait_seconds: float
    ) -> None:
        in_memory = not database_path or database_path == ":memory:"
        self._path = None if in_memory else f"{database_path}-writer.lock"
        self._read_only_option = read_only_option
        self._wait = wait_seconds
        # Threads of this process queue here first (woken the moment the lock is released), so
        # at most one of them at a time polls the file lock against other processes.
        self._local = threading.Lock()

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(self._read_only_option):
            connection.exec_driver_sql("BEGIN")
            return
        info = connection.info
        if self._path is not None and not info.get(HELD):
            fd = info.get(FD)
            if fd is None:
                fd = info[FD] = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._acquire(fd)
            info[HELD] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _acquire(self, fd: int) -> None:
        deadline = time.monotonic() + self._wait
        if not self._local.acquire(timeout=self._wait):
            raise _locked()
        try:
            self._acquire_file(fd, deadline)
        except BaseException:
            self._local.release()
            raise

    def _acquire_file(self, fd: int, deadline: float) -> None:
        delay = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _locked() from None
                time.sleep(delay)
                delay = min(delay * 2, 0.002)

    def checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(HELD, False):
            fcntl.flock(record.info[FD], fcntl.LOCK_UN)
            self._local.release()

    def close(self, _dbapi_connection: Any, record: Any) -> None:
        self.checkin(_dbapi_connection, record)
        fd = record.info.pop(FD, None)
        if fd is not None:
            os.close(fd)
