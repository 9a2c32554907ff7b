"""Refuse a signed request seen before: the same signature (timestamp and body) twice.

Slack's signature proves who sent a request but not that it is new; within the 5-minute
window, an exact copy would pass verification. Slack itself signs every delivery anew (retries
included), so a repeated signature can only be a replay. A signature is remembered once its
request was answered with 200, so a request that failed may still be retried. Kept in memory
per process: with several processes a replay that reaches another one is still harmless,
because every handler is idempotent.
"""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_SECONDS = 5 * 60


class ReplayGuard:
    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self._window = window
        self._seen: set[str] = set()
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def seen(self, signature: str) -> bool:
        with self._lock:
            self._forget_old(time.monotonic())
            return signature in self._seen

    def remember(self, signature: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._forget_old(now)
            if signature not in self._seen:
                self._seen.add(signature)
                self._order.append((now, signature))

    def _forget_old(self, now: float) -> None:
        while self._order and now - self._order[0][0] > self._window:
            self._seen.discard(self._order.popleft()[1])
