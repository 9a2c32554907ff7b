"""Statements per label click: the real WSGI app in this process, every SQL statement counted.

The app is built as a gunicorn worker builds it (`bot.cli.running._build_wsgi`): the
request gate with its replay claim, Bolt, the listener, the response_url POST of the next card
to an in-process fake Slack. Each click is one signed `block_actions` request; the next click
waits for the card it sent. What is counted, on both engines (the app's and the replay
claims'): every statement the driver executes (BEGIN included on SQLite, where it is one),
every COMMIT and ROLLBACK, on PostgreSQL the implicit BEGIN psycopg sends, and any liveness
ping of a pooled connection: each of those is a round trip to the server.
"""

from __future__ import annotations

import functools
import io
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from click_requests import SECRET, TOKEN, card_lease, click_body, link_click_body, signed
from click_seed import first_leases
from sqlalchemy import Engine, event

from bot.runtime.config import Settings
from bot.slack.app import create_app
from bot.slack.gate import RequestGate
from bot.slack.replay_guard import ReplayGuard
from bot.slack.respond import RetryingRespond
from bot.slack.server import make_wsgi_app
from storage.db import SLACK_WRITE_WAIT, make_engine, make_session_factory
from storage.replays import make_claims_engine
from tests.fake_slack import FakeSlack


@dataclass
class StatementCount:
    clicks: int
    total: int
    by_kind: Counter[str]
    cpu_seconds: float  # this process's CPU for the clicks, the in-process fake Slack's included
    ack_cpu_seconds: float  # the request thread's CPU from the request to its ack
    floor_ack_ms: float  # a click the app only acks (a link button): the gate, Bolt, the ack
    post_ms: float  # one response_url POST of the next card, in the posting thread

    @property
    def ack_ms(self) -> float:
        return 1000 * self.ack_cpu_seconds / self.clicks

    @property
    def per_click(self) -> float:
        return self.total / self.clicks


class _Counter:
    """Counts round trips on an engine (see the module docstring)."""

    def __init__(self, engine: Engine, kinds: Counter[str]) -> None:
        self.kinds = kinds
        self.active = False
        postgres = engine.dialect.name == "postgresql"
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda conn: self._transaction(conn, "COMMIT"))
        event.listen(engine, "rollback", lambda conn: self._transaction(conn, "ROLLBACK"))
        if postgres:
            event.listen(engine, "begin", lambda conn: self._transaction(conn, "BEGIN (implicit)"))
        ping = engine.dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self._count("ping (a connection's liveness check)")
            return ping(dbapi_connection)

        engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]

    def _count(self, kind: str) -> None:
        if self.active:
            self.kinds[kind] += 1

    def _transaction(self, conn: Any, kind: str) -> None:
        """BEGIN and COMMIT are round trips unless the driver is in autocommit mode (the
        replay claims on PostgreSQL), where SQLAlchemy still reports them but sends nothing."""
        if getattr(conn.connection.dbapi_connection, "autocommit", False) is not True:
            self._count(kind)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self._count(_kind(statement))


@functools.cache
def _kind(statement: str) -> str:
    """A short name for a statement: its verb and the first table outside any subquery."""
    flat = " ".join(statement.split())
    verb = flat.split(" ", 1)[0].upper()
    depth, outer = 0, []
    for char in flat:
        depth += (char == "(") - (char == ")")
        outer.append(char if depth == 0 else " ")
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", "".join(outer), re.IGNORECASE)
    return f"{verb} {table.group(1) if table else flat[:40]}"


def _environ(body: str) -> dict[str, Any]:
    raw = body.encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    for name, value in signed(body).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def count_statements(
    url: str, project_id: int, clicks: int, first_item: int, user: str = "U0STMT0001"
) -> StatementCount:
    """Send `clicks` answers from one fresh annotator through the in-process app."""
    (lease_id,) = first_leases(url, project_id, [user], last_item=first_item)
    kinds: Counter[str] = Counter()
    with FakeSlack() as fake:
        settings = Settings(
            slack_bot_token=TOKEN,  # type: ignore[arg-type]
            slack_signing_secret=SECRET,  # type: ignore[arg-type]
            slack_api_url=fake.url,
            database_url=url,
            log_level="WARNING",
        )
        engine = make_engine(url, write_wait=SLACK_WRITE_WAIT)
        claims = make_claims_engine(url)
        counters = [_Counter(engine, kinds), _Counter(claims, kinds)]
        app = create_app(settings, make_session_factory(engine))
        wsgi = make_wsgi_app(app, engine, RequestGate(SECRET, _counted_guard(claims, counters)))
        done, ack_cpu = 0, 0.0
        cpu = time.process_time()
        try:
            for n in range(1, clicks + 1):
                response_url = fake.response_url("actions")
                for counter in counters:
                    counter.active = True
                environ = _environ(click_body(user, project_id, lease_id, response_url))
                started = time.thread_time()
                list(wsgi(environ, _ok))
                ack_cpu += time.thread_time() - started
                card = _card_at(fake, response_url)
                for counter in counters:
                    counter.active = False
                done = n
                next_lease, _ = card_lease(card)
                if next_lease is None:
                    break
                lease_id = next_lease
            cpu = time.process_time() - cpu
            floor = _floor_ack_ms(wsgi, fake, user, project_id, lease_id)
            post = _post_ms(fake, card)
        finally:
            engine.dispose()
            claims.dispose()
    return StatementCount(done, sum(kinds.values()), kinds, cpu, ack_cpu, floor, post)


def _counted_guard(claims: Engine, counters: list[_Counter]) -> ReplayGuard:
    """The replay guard, its claim counted: one autocommit INSERT on the driver's connection,
    which SQLAlchemy's events do not see (`storage.replays.claim_signature`)."""
    guard = ReplayGuard(claims)
    claim = guard.first_time

    def counted(signature: str) -> bool:
        counters[0]._count("INSERT seen_requests (autocommit, the replay claim)")
        return claim(signature)

    guard.first_time = counted  # type: ignore[method-assign]
    return guard


def _floor_ack_ms(wsgi: Any, fake: FakeSlack, user: str, project_id: int, lease_id: int) -> float:
    """The request thread's CPU for a click the app only acks, median of 5 rounds of 40."""
    rounds = []
    for _ in range(5):
        spent = 0.0
        for _ in range(40):
            body = link_click_body(user, project_id, lease_id, fake.response_url("floor"))
            environ = _environ(body)
            started = time.thread_time()
            list(wsgi(environ, _ok))
            spent += time.thread_time() - started
        rounds.append(1000 * spent / 40)
    return statistics.median(rounds)


def _post_ms(fake: FakeSlack, card: dict[str, Any]) -> float:
    """CPU of posting `card` to a response_url as the after-ack pool does (kept-alive pool),
    median of 5 rounds of 40, in this thread only (not the fake's)."""
    respond = RetryingRespond(response_url=fake.response_url("floor"))
    rounds = []
    for _ in range(5):
        started = time.thread_time()
        for _ in range(40):
            respond(text=card.get("text", ""), blocks=card.get("blocks"), replace_original=True)
        rounds.append(1000 * (time.thread_time() - started) / 40)
    return statistics.median(rounds)


def _ok(status: str, _headers: Any) -> None:
    if not status.startswith("200"):
        raise SystemExit(f"the click was answered {status}")


def _card_at(fake: FakeSlack, response_url: str, timeout: float = 10.0) -> dict[str, Any]:
    path = response_url.removeprefix(fake.base_url.rstrip("/"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in reversed(fake.calls_to("response_url")):
            if call.path == path:
                return dict(call.body)
        time.sleep(0.002)
    raise SystemExit(f"no card arrived at {response_url}")
