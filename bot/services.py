"""What every listener needs, built once by `create_app` and injected by a middleware."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.failures import log_failure
from storage.db import SessionFactory
from storage.models import utcnow

log = logging.getLogger(__name__)

USERGROUP_TTL_SECONDS = 600


class SlackDirectory:
    """Usergroup members from `usergroups.users.list`, cached for ten minutes.

    A cold cache costs one Web API call; an error leaves the previous members (or none) in place
    and is logged, so an authorization check fails closed rather than raising.
    """

    def __init__(self, client: WebClient, ttl: float = USERGROUP_TTL_SECONDS) -> None:
        self._client = client
        self._ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def usergroup_members(self, usergroup_id: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(usergroup_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            response = self._client.usergroups_users_list(usergroup=usergroup_id)
            members = frozenset(response.get("users") or [])
        except SlackApiError as exc:
            log.warning(
                "usergroups.users.list %s failed: %s", usergroup_id, exc.response.get("error")
            )
            return cached[1] if cached else frozenset()
        with self._lock:
            self._cache[usergroup_id] = (now, members)
        return members


class TTLCache:
    """A small per-process cache for figures that may be a few seconds old (e.g. "1,203 left"
    on a card: counting 100k open items on every click costs more than the click itself)."""

    def __init__(self, ttl: float) -> None:
        self._ttl = ttl
        self._values: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Any, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._values.get(key)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        value = compute()
        with self._lock:
            self._values[key] = (now, value)
        return value


@dataclass
class Services:
    settings: Settings
    sessions: SessionFactory
    client: WebClient
    directory: Any
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    background: Callable[[Callable[[], None]], None] = field(default=lambda fn: fn())
    counts: TTLCache = field(default_factory=lambda: TTLCache(ttl=5.0))


def run_in_background(fn: Callable[[], None]) -> None:
    """Run slow work (channel posts at 1 message/second) off the listener pool."""
    thread = threading.Thread(target=_logged(fn), daemon=True)
    thread.start()


def _logged(fn: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except Exception as exc:
            log_failure(log, "background task failed", exc)

    return run
