"""Serving: a WSGI app (Slack endpoint + health check) run by gunicorn with threads.

Bolt's sync `App` suits WSGI; gunicorn's threaded workers give it real concurrency without
Bolt's development server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text

from bot.replay_guard import ReplayGuard

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, engine: Engine
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=SLACK_PATH)
    replays = ReplayGuard()

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _health(engine, start_response)
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if signature and replays.seen(signature):
            log.warning("refused a replayed request")
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"replayed request\n"]

        def remembering(status: str, headers: Any, *rest: Any) -> Any:
            if signature and status.startswith("200"):
                replays.remember(signature)
            return start_response(status, headers, *rest)

        try:
            return slack(environ, remembering)
        except ValueError as exc:  # Bolt could not parse the body (e.g. `payload` is not JSON)
            log.warning("refused an unreadable request body (%s)", type(exc).__name__)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"unreadable request\n"]

    return wsgi


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
