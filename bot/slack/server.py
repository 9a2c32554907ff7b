"""Serving: a WSGI app (Slack endpoint + health check) run by gunicorn with threads.

Bolt's sync `App` suits WSGI; gunicorn's threaded workers give it real concurrency without
Bolt's development server. Every request to the Slack endpoint passes `bot.slack.gate` before
Bolt reads it; a refusal is answered 400, 401 or 413 and logged as one warning line with the
client address, any other path 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy import Engine, text

from bot.slack.gate import Admitted, RequestGate, client_address
from bot.slack.payload_guard import CHECKED_BY_GATE
from bot.slack.request_errors import CLIENT_ADDRESS

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def make_wsgi_app(app: App, engine: Engine, gate: RequestGate) -> WSGIApp:
    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH:
            return _health(engine, start_response)
        client = client_address(environ)
        if path != SLACK_PATH or method != "POST":
            log.warning("refused %s %.100r from %s: no such endpoint", method, path, client)
            return _plain(start_response, 404, "not found")
        admitted = gate.admit(environ)
        if not isinstance(admitted, Admitted):
            log.warning("refused a request from %s: %s", client, admitted.reason)
            return _plain(start_response, admitted.status, "refused")
        return _dispatch(app, environ, admitted, client, start_response)

    return wsgi


def _dispatch(
    app: App,
    environ: Mapping[str, Any],
    admitted: Admitted,
    client: str,
    start_response: StartResponse,
) -> Iterable[bytes]:
    try:
        request = BoltRequest(
            body=admitted.text,
            query=str(environ.get("QUERY_STRING") or ""),
            headers=dict(admitted.headers),
            # The client for the error handler's log line; the payload's shape is checked.
            context={CLIENT_ADDRESS: client, CHECKED_BY_GATE: True},
        )
    except Exception as exc:  # noqa: BLE001 - Bolt reading a payload it cannot use is bad input
        reason = type(exc).__name__
        log.warning("refused a request from %s: Bolt cannot read it (%s)", client, reason)
        return _plain(start_response, 400, "refused")
    response = app.dispatch(request)
    http = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(http.status, http.get_headers())
    return http.get_body()


def _plain(start_response: StartResponse, status: int, body: str) -> Iterable[bytes]:
    http = WsgiHttpResponse(
        status=status, headers={"content-type": ["text/plain"]}, body=f"{body}\n"
    )
    start_response(http.status, http.get_headers())
    return http.get_body()


def _health(engine: Engine, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"database unavailable\n"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn driven from Python; `build` runs in each worker after fork."""

    def __init__(self, build: Callable[[], Any], options: dict[str, Any]) -> None:
        self._build = build
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._build()


def serve(build: Callable[[], Any], *, host: str, port: int, workers: int, threads: int) -> None:
    """Run gunicorn (its own logging kept at warnings) and log where it listens once bound."""

    def announce(arbiter: Any) -> None:
        for listener in arbiter.LISTENERS:
            log.info(
                "listening on %s: Slack's requests at %s, health checks at %s "
                "(%d worker(s) × %d threads)",
                listener,
                SLACK_PATH,
                HEALTH_PATH,
                workers,
                threads,
            )

    options = {
        "bind": f"{host}:{port}",
        "when_ready": announce,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": None,
        "loglevel": "warning",
    }
    GunicornServer(build, options).run()
