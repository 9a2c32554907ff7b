"""What `run` does: check settings, projects and Slack, start the scheduler, then serve
Socket Mode or HTTP (gunicorn). Imported only when `run` runs: it loads Bolt, APScheduler
and the database layer, which `--help` must not pay for."""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk.errors import SlackApiError

from bot.cli.app import EXIT_CONFIG, EXIT_UNAVAILABLE, database, fail
from bot.projects.loader import ProjectLoadError
from bot.runtime.config import ConfigError, Settings
from bot.runtime.failures import SlackUnreachable, reason, slack_unreachable
from bot.runtime.log_setup import configure_logging
from bot.runtime.shutdown import leave_unfinished_jobs
from bot.scheduling.leader import LeaderLock
from bot.scheduling.scheduler import forget_connections_after_fork, start_scheduler, stop_scheduler
from bot.slack.app import check_identity, create_app, sync_projects
from bot.slack.client import make_client, start_up_logger
from bot.slack.gate import RequestGate
from bot.slack.replay_guard import ReplayGuard
from bot.slack.server import make_wsgi_app, serve
from storage.db import SLACK_WRITE_WAIT, make_engine, make_session_factory
from storage.replays import make_claims_engine

log = logging.getLogger("bot.run")


def _secrets(settings: Settings) -> list[str]:
    values = (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    return [v.get_secret_value() for v in values if v is not None]


def start(*, http: bool, host: str, port: int, workers: int, threads: int, scheduler: bool) -> None:
    """Start the bot and serve until stopped; a bad setting or an unreachable Slack or
    database ends it with one line and its exit code."""
    with database() as (settings, engine):
        try:
            settings.require_slack(socket_mode=not http)
        except ConfigError as exc:
            fail(str(exc), code=EXIT_CONFIG)
        configure_logging(settings.log_level, _secrets(settings))
        try:
            synced = sync_projects(settings, make_session_factory(engine))
        except (ProjectLoadError, FileNotFoundError) as exc:
            fail(f"project files are invalid:\n{exc}")
        log.info("projects: %s", ", ".join(synced) or "(none yet)")
        try:
            check_identity(make_client(settings, logger=start_up_logger()))
        except SlackUnreachable as exc:
            fail(str(exc), code=EXIT_UNAVAILABLE)
        except RuntimeError as exc:
            fail(str(exc), code=EXIT_CONFIG)
    # Started here, before gunicorn forks its workers, so exactly one process schedules.
    running = _start_scheduler(settings) if scheduler else None
    owner = os.getpid()
    try:
        if http:
            serve(
                lambda: _build_wsgi(settings),
                host=host,
                port=port,
                workers=workers,
                threads=threads,
            )
        else:
            _run_socket_mode(settings)
    finally:
        if os.getpid() == owner:  # a gunicorn worker leaving unwinds through here too
            stop_scheduler(running)
            leave_unfinished_jobs()


def _start_scheduler(settings: Settings) -> BackgroundScheduler:
    """Every process runs a scheduler; only the leader (`bot.scheduling.leader`) acts on it."""
    engine = make_engine(settings.database_url)
    forget_connections_after_fork(lambda: engine.dispose(close=False))
    leader = LeaderLock(settings.database_url)
    return start_scheduler(
        settings, make_session_factory(engine), make_client(settings), may_run=leader.is_leader
    )


def _build_wsgi(settings: Settings) -> Any:
    """Runs in each gunicorn worker: its own engines, Bolt app and request gate."""
    configure_logging(settings.log_level, _secrets(settings))
    engine = make_engine(settings.database_url, write_wait=SLACK_WRITE_WAIT)
    app = create_app(settings, make_session_factory(engine))
    assert settings.slack_signing_secret is not None  # `run --http` checked it at start-up
    gate = RequestGate(
        settings.slack_signing_secret.get_secret_value(),
        ReplayGuard(make_claims_engine(settings.database_url)),
    )
    return make_wsgi_app(app, engine, gate)


def _run_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    engine = make_engine(settings.database_url, write_wait=SLACK_WRITE_WAIT)
    app = create_app(settings, make_session_factory(engine))
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    # `start()` waits forever in this thread; SIGTERM (systemd, docker stop) would kill the
    # process outright. Turned into SystemExit, it unwinds through the callers' `finally`
    # (scheduler stopped) and closes the socket here.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        handler.start()  # type: ignore[no-untyped-call]
    except Exception as exc:  # from apps.connections.open, before anything connected
        if slack_unreachable(exc):
            fail(
                f"Slack could not be reached (apps.connections.open: {reason(exc)}).",
                EXIT_UNAVAILABLE,
            )
        if not isinstance(exc, SlackApiError):
            raise
        error = exc.response.get("error") if exc.response is not None else "unknown"
        fail(
            f"Slack rejected the app token (apps.connections.open: {error}). SLACK_APP_TOKEN "
            "must be an app-level token (xapp-…) with connections:write, and the app must have "
            "Socket Mode enabled.",
            code=EXIT_CONFIG,
        )
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        log.info("Socket Mode connection closed")


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
