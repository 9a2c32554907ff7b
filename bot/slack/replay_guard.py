"""Refuse a signed request seen before: the same signature (timestamp and body) twice.

Slack's signature proves who sent a request but not that it is new; within the five-minute
window an exact copy would pass verification. Slack signs every delivery anew (its retries carry
a new timestamp), so a repeated signature can only be a replay. Each admitted signature is
claimed in a store every process shares (`storage.replays`), so the copy is refused whichever
process it reaches. Each process prunes claims past the window once a minute.

When the store cannot record the claim (database unreachable, no connection free or the write
lock not had within `CLAIM_WAIT_SECONDS`), the request is let through with a warning rather
than stalled past Slack's three seconds: every listener is idempotent, and one that needs the
database answers "try again" on its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.runtime.failures import DATABASE_UNAVAILABLE, reason
from storage.models import utcnow
from storage.replays import claim_signature, forget_signatures

log = logging.getLogger(__name__)

WINDOW_SECONDS = 5 * 60
#: Signatures are kept twice the window: a timestamp may lie up to five minutes either side.
KEEP_SIGNATURES = timedelta(seconds=2 * WINDOW_SECONDS)
PRUNE_EVERY = timedelta(minutes=1)


class ReplayGuard:
    def __init__(self, claims: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._claims = claims
        self._clock = clock
        self._pruned_at: datetime | None = None
        self._lock = threading.Lock()

    def first_time(self, signature: str) -> bool:
        """Claim `signature`; False when some process claimed it before (a replay)."""
        now = self._clock()
        try:
            self._prune_if_due(now)
            return claim_signature(self._claims, signature, now)
        except DATABASE_UNAVAILABLE as exc:
            log.warning("replay check skipped: the database is unavailable (%s)", reason(exc))
            return True

    def _prune_if_due(self, now: datetime) -> None:
        with self._lock:
            if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
                return
            self._pruned_at = now
        forget_signatures(self._claims, before=now - KEEP_SIGNATURES)
