"""Kept-alive connections: the Web API client and `respond()` share one pooled connection per
host, and fail, retry and raise exactly as slack_sdk's new connection per call did."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.error import URLError
from urllib.request import Request

import pytest
from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.runtime.config import Settings
from bot.runtime.failures import slack_unreachable
from bot.slack import http_pool
from bot.slack.app import create_app
from bot.slack.client import make_client
from bot.slack.http_pool import CONNECTIONS_PER_HOST, PooledWebClient, PooledWebhookClient
from bot.slack.respond import RetryingRespond
from handlers.executor import Request as Incoming
from storage.db import SessionFactory
from tests.fake_slack import FakeSlack
from tests.harness import BOT_TOKEN, SIGNING_SECRET
from tests.processes import free_port
from tests.slack_requests import SignedClient, SlackPayloads, serve_bolt_app


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def settings_for(api_url: str) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
        slack_api_url=api_url,
    )


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """The bot's own client: base URL, timeout and retry handlers as `make_client` sets them."""
    return make_client(settings_for(fake.url))


def respond_to(url: str) -> RetryingRespond:
    return RetryingRespond(response_url=url)


def attempts_of(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> list[str]:
    """Count the HTTP attempts `cls` makes (each call of its one-request method `name`)."""
    attempts: list[str] = []
    original: Callable[..., Any] = getattr(cls, name)

    def counted(self: Any, url: str, req: Request) -> Any:
        attempts.append(url)
        return original(self, url, req)

    monkeypatch.setattr(cls, name, counted)
    return attempts


def warnings_and_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# -- one connection, many calls -----------------------------------------------------------


def test_web_api_calls_and_response_url_posts_from_one_thread_share_one_connection(
    fake: FakeSlack, client: WebClient
) -> None:
    for n in range(3):
        assert client.chat_postMessage(channel="C1", text=f"card {n}")["ok"]
        assert respond_to(fake.response_url())(f"reply {n}").status_code == 200

    assert fake.methods() == ["chat.postMessage", "response_url"] * 3
    assert fake.connections_accepted == 1


def test_the_clients_answer_in_slack_sdks_shapes(fake: FakeSlack, client: WebClient) -> None:
    response = client.auth_test()
    reply = PooledWebhookClient(fake.response_url()).send(text="done")

    assert response.status_code == 200 and response["user_id"] == fake.bot_user_id
    assert response.headers["x-oauth-scopes"]  # header names as Slack sent them
    assert (reply.status_code, reply.body) == (200, "ok")
    assert reply.headers.get_content_type() == "text/html"  # an HTTPMessage, as urlopen gives


def test_calls_from_several_threads_at_once_hold_one_connection_each_at_most(
    fake: FakeSlack, client: WebClient
) -> None:
    threads, calls_each = 8, 5
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work() -> None:
        start.wait()
        try:
            for n in range(calls_each):
                if n % 2:
                    respond_to(fake.response_url())("reply")
                else:
                    client.chat_postMessage(channel="C1", text="card")
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    assert len(fake.calls) == threads * calls_each
    assert fake.connections_accepted <= min(threads, CONNECTIONS_PER_HOST)
    assert all(call.status == 200 for call in fake.calls)


# -- Slack's answers: retried as before ---------------------------------------------------


def test_a_web_api_429_is_retried_after_retry_after_as_often_as_the_handler_allows(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0, times=3)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="card")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "0"
    assert len(fake.calls_to("chat.postMessage")) == 3  # RateLimitErrorRetryHandler(2)

    assert client.chat_postMessage(channel="C1", text="card")["ok"]
    assert fake.connections_accepted == 1


def test_a_response_url_429_is_retried_once(fake: FakeSlack) -> None:
    url = fake.response_url()
    fake.fail_next("response_url", status=429, retry_after=0)
    assert respond_to(url)("after one 429").status_code == 200

    fake.fail_next("response_url", status=429, retry_after=0, times=2)
    assert respond_to(url)("after two").status_code == 429

    assert len(fake.calls_to("response_url")) == 4
    assert fake.connections_accepted == 1


def test_a_500_is_not_retried_and_surfaces_as_before(
    fake: FakeSlack, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("chat.update", status=500)
    fake.fail_next("response_url", status=500)

    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C1", ts="1.2", text="x")
    reply = respond_to(fake.response_url())("x")

    assert raised.value.response.status_code == 500
    assert (reply.status_code, reply.body) == (500, "Internal Server Error")
    assert fake.methods() == ["chat.update", "response_url"]
    assert warnings_and_errors(caplog) == [
        # slack_sdk's own line for a body that is not JSON, then RetryingRespond's
        "Failed to decode Slack API response: Received a response in a non-JSON format: "
        "Internal Server Error",
        "response_url answered HTTP 500 (Internal Server Error)",
    ]


# -- stale connections: replaced without anyone noticing ----------------------------------


def test_connections_the_server_closed_while_idle_are_replaced_without_an_error(
    fake: FakeSlack, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    url = fake.response_url()
    client.chat_postMessage(channel="C1", text="before")
    respond_to(url)("before")
    fake.close_connections()

    assert client.chat_postMessage(channel="C1", text="after")["ok"]
    assert respond_to(url)("after").status_code == 200
    assert [c.get("text") for c in fake.calls] == ["before", "before", "after", "after"]
    assert fake.connections_accepted == 2
    assert warnings_and_errors(caplog) == []


def test_a_request_the_server_hangs_up_on_as_it_reuses_a_connection_is_sent_again_once(
    fake: FakeSlack, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The idle close that crosses the next request: the request was never taken, so it goes
    again on a new connection; slack_sdk's retry handlers never see it."""
    url = fake.response_url()
    client.chat_postMessage(channel="C1", text="first")
    fake.hang_up_on_reuse()
    assert client.chat_postMessage(channel="C1", text="second")["ok"]
    fake.hang_up_on_reuse()
    assert respond_to(url)("third").status_code == 200

    assert [c.get("text") for c in fake.calls] == ["first", "second", "third"]
    assert fake.connections_accepted == 3
    assert warnings_and_errors(caplog) == []


# -- no Slack at all: the same errors as urlopen's ----------------------------------------


@pytest.mark.parametrize("cls", [WebClient, PooledWebClient])
def test_a_refused_connection_is_tried_twice_then_raises_the_urlerror_urlopen_raised(
    cls: type[WebClient], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    attempts = attempts_of(monkeypatch, cls, "_perform_urllib_http_request_internal")
    client = cls(
        base_url=f"http://127.0.0.1:{free_port()}/api/",
        token=BOT_TOKEN,
        retry_handlers=make_client(settings_for("http://x/")).retry_handlers,
    )

    with pytest.raises(URLError) as raised:
        client.auth_test()

    assert isinstance(raised.value.reason, ConnectionRefusedError)
    assert len(attempts) == 2  # ConnectionErrorRetryHandler(1)
    assert slack_unreachable(raised.value)  # "Slack is unreachable", one log line, no trace
    assert BOT_TOKEN not in str(raised.value) and BOT_TOKEN not in caplog.text


def test_a_refused_response_url_is_tried_twice_then_raises_the_urlerror(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts = attempts_of(monkeypatch, PooledWebhookClient, "_perform_http_request_internal")

    with pytest.raises(URLError) as raised:
        respond_to(f"http://127.0.0.1:{free_port()}/response/commands/T1/1/x")("done")

    assert isinstance(raised.value.reason, ConnectionRefusedError)
    assert len(attempts) == 2
    assert slack_unreachable(raised.value)


@pytest.mark.parametrize("cls", [WebClient, PooledWebClient])
def test_an_answer_that_never_comes_raises_timeouterror_and_is_not_sent_again(
    cls: type[WebClient], fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack may have carried the request out, so neither client sends it twice."""
    attempts = attempts_of(monkeypatch, cls, "_perform_urllib_http_request_internal")
    client = cls(
        base_url=fake.url,
        token=BOT_TOKEN,
        timeout=1,
        retry_handlers=[ConnectionErrorRetryHandler(1), RateLimitErrorRetryHandler(2)],
    )
    fake.fail_next("chat.postMessage", delay=2)

    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="slow")

    assert len(attempts) == 1
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_only_http_urls_are_opened() -> None:
    client = PooledWebClient(base_url="file:///etc/", token=BOT_TOKEN, retry_handlers=[])
    with pytest.raises(SlackRequestError, match="Invalid URL detected"):
        client.api_test()
    with pytest.raises(SlackRequestError, match="Invalid URL detected"):
        PooledWebhookClient("ftp://example.com/x", retry_handlers=[]).send(text="x")


# -- the bot's clients ---------------------------------------------------------------------


def test_listeners_get_a_pooled_client_with_the_apps_settings(
    fake: FakeSlack, session_factory: SessionFactory
) -> None:
    seen: dict[str, Any] = {}
    app_client = make_client(settings_for(fake.url))
    app = create_app(settings_for(fake.url), session_factory, app_client)

    @app.command("/probe")
    def probe(ack: Ack, client: WebClient, incoming: Incoming) -> None:
        ack()
        seen["client"], seen["incoming"] = client, incoming
        client.chat_postMessage(channel="C1", text="from the listener")

    with serve_bolt_app(app) as url:
        answer = SignedClient(url, SIGNING_SECRET).send(
            SlackPayloads(fake).slash_command("", "U1", command="/probe")
        )
        fake.wait_for("chat.postMessage")

    client = seen["client"]
    assert answer.status == 200
    assert isinstance(client, PooledWebClient) and client is not app_client
    assert seen["incoming"].client is client  # what the executor carries out effects with
    assert (client.token, client.base_url, client.timeout) == (
        BOT_TOKEN,
        app_client.base_url,
        app_client.timeout,
    )
    assert client.retry_handlers == app_client.retry_handlers
    assert client.default_params["team_id"] == fake.team_id
    # Bolt's auth.test on the first request and the listener's call shared one connection.
    assert fake.methods() == ["auth.test", "chat.postMessage"]
    assert fake.connections_accepted == 1


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(
    fake: FakeSlack, client: WebClient
) -> None:
    client.api_test()
    parent_pool = http_pool.pool_manager()

    pid = os.fork()
    if pid == 0:  # the child: report through the exit code, never return into pytest
        code = 1
        try:
            fresh = http_pool.pool_manager() is not parent_pool
            code = 0 if fresh and client.api_test()["ok"] else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert client.api_test()["ok"]
    assert fake.connections_accepted == 2  # the child's; the parent kept its own
    assert len(fake.calls_to("api.test")) == 3
