"""What every listener needs, built once by `create_app` and injected by a middleware."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.config import Settings
from bot.runtime.failures import log_failure
from storage.db import SessionFactory
from storage.models import utcnow

log = logging.getLogger(__name__)

USERGROUP_TTL_SECONDS = 600
NAME_TTL_SECONDS = 3600
NAME_RETRY_SECONDS = 60


class SlackDirectory:
    """Usergroup members from `usergroups.users.list`, cached for ten minutes, and display
    names from `users.info`, cached for an hour.

    A cold cache costs one Web API call; an error leaves the previous members (or none) in place
    and is logged, so an authorization check fails closed rather than raising. A name that
    cannot be read is None (the caller shows the id) and is asked again after a minute.
    """

    def __init__(self, client: WebClient, ttl: float = USERGROUP_TTL_SECONDS) -> None:
        self._client = client
        self._ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._names: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def display_name(self, user_id: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            cached = self._names.get(user_id)
        if cached is not None and now < cached[0]:
            return cached[1]
        try:
            user = self._client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
            name, expires = None, now + NAME_RETRY_SECONDS
        except Exception as exc:  # noqa: BLE001 - a name is a nicety; never fail a post on it
            log.warning("users.info %s failed: %s", user_id, type(exc).__name__)
            name, expires = None, now + NAME_RETRY_SECONDS
        else:
            profile = user.get("profile") or {}
            name = (
                profile.get("display_name") or profile.get("real_name") or user.get("name") or None
            )
            expires = now + NAME_TTL_SECONDS
        with self._lock:
            self._names[user_id] = (expires, name)
        return name

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

    def adjust(self, key: Any, delta: int) -> None:
        """Correct a cached count this process just changed (an answer closed an item), so
        the next card counts it without a recount."""
        with self._lock:
            hit = self._values.get(key)
            if hit is not None:
                self._values[key] = (hit[0], hit[1] + delta)


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
    after_ack: Callable[[Callable[[], None]], None] = field(
        default_factory=lambda: AfterAck(threads=16)
    )


class AfterAck:
    """A pool for the work that follows an ack (Web API calls, flows acked first), so the
    listener returns and Bolt answers Slack at once; a failure is logged, never raised."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="after-ack")

    def __call__(self, fn: Callable[[], None]) -> None:
        self._pool.submit(_logged(fn))


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
