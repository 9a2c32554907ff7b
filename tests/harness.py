"""The bot end to end: its real WSGI endpoint on loopback, a fake Slack Web API, signed requests.

`BotHarness` wires `create_app` exactly as `python -m bot run --http` does, except that the
server is a threaded wsgiref server and slow background work runs inline.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.runtime.config import Settings
from bot.runtime.services import Services, SlackDirectory
from bot.slack.app import create_app
from bot.slack.client import make_client
from bot.slack.gate import RequestGate
from bot.slack.replay_guard import ReplayGuard
from bot.slack.server import make_wsgi_app
from storage.db import SessionFactory, unit_of_work
from storage.models import Base
from storage.replays import make_claims_engine
from tests.fake_slack import Call, FakeSlack
from tests.slack_requests import SignedClient, SlackPayloads, SlackResponse

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1234-5678-testtokenvalue"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass
class BotHarness:
    fake: FakeSlack
    slack: SignedClient
    payloads: SlackPayloads
    sessions: SessionFactory
    services: Services
    url: str

    def command(self, text: str, user: str, **kwargs: Any) -> SlackResponse:
        return self.slack.send(self.payloads.slash_command(text, user, **kwargs))

    def command_done(self, text: str, user: str) -> Call:
        """A command, and its reply once it comes: the bot replies after carrying out the
        command's other effects (a card posted and recorded as the live one, so a click on it
        counts)."""
        url = self.fake.response_url()
        assert self.command(text, user, response_url=url).status == 200
        replies = eventually(lambda: [c for c in self.responses() if url.endswith(c.path)])
        assert replies, f"no reply to /label {text}"
        return replies[0]

    def click(self, action_id: str, value: str | None, user: str, **kwargs: Any) -> SlackResponse:
        return self.slack.send(self.payloads.block_action(action_id, value, user, **kwargs))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with unit_of_work(self.sessions) as session:
            yield session

    def responses(self) -> list[Call]:
        return self.fake.calls_to("response_url")

    def wait_response(self, count: int) -> Call:
        return self.fake.wait_for("response_url", count)[count - 1]


def button(blocks: list[dict[str, Any]], predicate: Any) -> dict[str, Any]:
    """The first button (or element) in `blocks` whose action_id satisfies `predicate`."""
    for block in blocks:
        elements = block.get("elements") or []
        if block.get("accessory"):
            elements = [*elements, block["accessory"]]
        for element in elements:
            action_id = element.get("action_id", "")
            if predicate(action_id) if callable(predicate) else action_id == predicate:
                return dict(element)
    raise AssertionError(f"no element matching {predicate!r} in {json.dumps(blocks)[:2000]}")


def shown_name(user_id: str) -> str:
    """How a review post or thread note shows a Slack user: the fake Slack's default display
    name, in bold, never a notifying `<@U…>` mention."""
    return f"*user.{user_id.lower()}*"


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text in the blocks, joined (for assertions about what a person sees)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(parts)


@contextmanager
def running_bot(
    engine: Engine, sessions: SessionFactory, *, seed: int = 7, **setting_overrides: Any
) -> Iterator[BotHarness]:
    with FakeSlack() as fake:
        settings = Settings(
            slack_bot_token=BOT_TOKEN,  # type: ignore[arg-type]
            slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
            slack_api_url=fake.url,
            database_url=engine.url.render_as_string(hide_password=False),
            **setting_overrides,
        )
        client: WebClient = make_client(settings)
        services = Services(
            settings=settings,
            sessions=sessions,
            client=client,
            directory=SlackDirectory(client),
            rng=random.Random(seed),
            background=lambda fn: fn(),
        )
        app = create_app(settings, sessions, client, services=services)
        claims = make_claims_engine(engine.url.render_as_string(hide_password=False))
        gate = RequestGate(SIGNING_SECRET, ReplayGuard(claims))
        server = make_server("127.0.0.1", 0, make_wsgi_app(app, engine, gate), _Server, _Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
        try:
            yield BotHarness(
                fake=fake,
                slack=SignedClient(url, SIGNING_SECRET),
                payloads=SlackPayloads(fake),
                sessions=sessions,
                services=services,
                url=url,
            )
        finally:
            server.shutdown()
            server.server_close()
            claims.dispose()


def eventually(check: Any, timeout: float = 15.0) -> Any:
    """Poll `check` until it returns a truthy value (work after the ack runs in other threads).

    The timeout only matters when the check fails: it is generous because CI runs two test
    workers beside PostgreSQL and real server processes on two cores."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


#: Bookkeeping every admitted request may add to: seen signatures, processed event ids.
BOOKKEEPING = frozenset({"seen_requests", "processed_events"})


def domain_snapshot(bot: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the bookkeeping ones, to show a request changed nothing."""
    with bot.session() as session:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in session.execute(table.select())), key=repr
            )
            for table in Base.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }
