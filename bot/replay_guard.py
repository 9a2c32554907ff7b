"""Refuse a signed request seen before: the same signature (timestamp and body) twice.

Slack's signature proves who sent a request but not that it is new; within the five-minute
window an exact copy would pass verification. Slack signs every delivery anew (its retries carry
a new timestamp), so a repeated signature can only be a replay. Each admitted signature is
claimed in the shared database, so the copy is refused whichever process it reaches.

When the database cannot record the claim (unreachable, or SQLite's write lock held longer than
`CLAIM_WAIT_SECONDS` by a long import), the request is let through with a warning rather than
stalled past Slack's three seconds: every listener is idempotent, and one that needs the database
answers "try again" on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.failures import DATABASE_UNAVAILABLE, reason
from storage.db import SessionFactory, unit_of_work
from storage.models import utcnow
from storage.replays import claim_signature

log = logging.getLogger(__name__)

WINDOW_SECONDS = 5 * 60
#: Signatures are kept twice the window: a timestamp may lie up to five minutes either side.
KEEP_SIGNATURES = timedelta(seconds=2 * WINDOW_SECONDS)
#: How long a claim waits for SQLite's write lock before the request goes on unclaimed.
CLAIM_WAIT_SECONDS = 0.25


class ReplayGuard:
    def __init__(self, sessions: SessionFactory, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def first_time(self, signature: str) -> bool:
        """Claim `signature`; False when some process claimed it before (a replay)."""
        try:
            with unit_of_work(self._sessions) as session:
                return claim_signature(session, signature, self._clock())
        except DATABASE_UNAVAILABLE as exc:
            log.warning("replay check skipped: the database is unavailable (%s)", reason(exc))
            return True
