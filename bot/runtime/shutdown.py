"""Ending the process on a stop (SIGTERM from systemd, `docker stop`, a deploy) in bounded time.

Python waits at exit for every non-daemon thread, and the scheduler's jobs run on such threads:
a model's training or a digest's chart could hold a stop for a minute, past the point where
`docker stop` (10 s) or systemd (90 s) kills the process anyway, mid-write. Every scheduled job
is safe to cut short (a digest run is claimed before it posts and reposted by nobody; a model
is stored in one transaction; predictions are rewritten at the next training), so a stop waits
a few seconds for them and then leaves, saying what it left.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

#: How long a stop waits for running jobs: inside `docker stop`'s 10 s after gunicorn's own stop.
STOP_GRACE_SECONDS = 5.0
#: The scheduler's job threads are named so (`bot.scheduling.scheduler.start_scheduler`).
JOB_THREAD_PREFIX = "scheduled-job"


def _unfinished(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()]


def leave_unfinished_jobs(
    grace: float = STOP_GRACE_SECONDS,
    *,
    prefix: str = JOB_THREAD_PREFIX,
    exit_now: Callable[[int], object] = os._exit,
) -> None:
    """After the scheduler's shutdown: wait up to `grace` seconds for the job threads still
    running, then end the process without them (logs flushed) instead of letting the
    interpreter wait for them. Idle job threads end by themselves at the shutdown."""
    deadline = time.monotonic() + grace
    for thread in _unfinished(prefix):
        thread.join(max(0.0, deadline - time.monotonic()))
    left = _unfinished(prefix)
    if not left:
        return
    names = ", ".join(sorted(t.name for t in left))
    log.warning(
        "stopping without waiting for %d running job thread(s) (%s); they are safe to cut short",
        len(left),
        names,
    )
    logging.shutdown()
    exit_now(0)
