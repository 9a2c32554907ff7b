"""The composition root: `create_app` builds the Bolt app; `start_up` prepares a run.

Nothing here runs at import time; tests hand in a `WebClient` pointed at a fake Slack.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

import handlers
from bot.projects.loader import load_projects
from bot.projects.sync import sync_project
from bot.runtime.config import Settings
from bot.runtime.failures import SlackUnreachable, reason, slack_unreachable
from bot.runtime.services import AfterAck, Services, SlackDirectory, run_in_background
from bot.slack.client import make_client
from bot.slack.payload_guard import PayloadGuard
from bot.slack.request_errors import answer_error
from bot.slack.respond import PooledClientMiddleware, RetryingRespondMiddleware
from storage.db import SessionFactory, unit_of_work

log = logging.getLogger(__name__)

#: The bot scopes the code uses; `manifest.yml` asks for exactly these.
REQUIRED_SCOPES = frozenset(
    {
        "chat:write",
        "commands",
        "im:write",
        "users:read",
        "files:write",
        "channels:history",
        "groups:history",
        "usergroups:read",
    }
)


class _ClientGivenOnPurpose(logging.Filter):
    """Bolt warns "As you gave `client` as well, `token` will be unused" whenever
    SLACK_BOT_TOKEN is in the environment and a client is passed. The bot passes its client on
    purpose (built from the same token, with retry handlers), so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_CLIENT_GIVEN = _ClientGivenOnPurpose()


def create_app(
    settings: Settings,
    session_factory: SessionFactory,
    client: WebClient | None = None,
    *,
    services: Services | None = None,
) -> App:
    """Build the Bolt app with every listener registered and the services injected."""
    client = client or make_client(settings)
    signing_secret = settings.slack_signing_secret
    services = services or Services(
        settings=settings,
        sessions=session_factory,
        client=client,
        directory=SlackDirectory(client),
        rng=random.Random(),
        background=run_in_background,
        after_ack=AfterAck(threads=settings.listener_threads),
    )
    bolt_log = logging.getLogger("slack_bolt.App")  # the logger Bolt's App warns on
    if _CLIENT_GIVEN not in bolt_log.filters:
        bolt_log.addFilter(_CLIENT_GIVEN)
    app = App(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        token_verification_enabled=False,
        # First of the app's middleware (after the signature check): every later reader of
        # `context.client`, Bolt's own auth.test and `IncomingMiddleware` included, sees it.
        before_authorize=PooledClientMiddleware(),
        # Listeners run in the request's thread and return right after their ack: the work
        # after it goes to `services.after_ack` (handlers.executor). Bolt's own hand-off to a
        # listener thread polls for the ack every 10 ms, a delay on every click.
        process_before_response=True,
        # An unmatched request reaches `answer_error` (one log line) instead of Bolt's warning,
        # which spans a dozen lines with a code suggestion.
        raise_error_for_unhandled_request=True,
    )

    app.use(PayloadGuard())
    app.use(ServicesMiddleware(services))
    app.use(RetryingRespondMiddleware())
    app.error(answer_error)

    handlers.register(app)
    return app


class ServicesMiddleware(Middleware):
    """Put the services into every request's context (class-based: reads no payload field)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002
    ) -> BoltResponse:
        req.context["services"] = self._services
        return next()


@dataclass(frozen=True)
class Identity:
    bot_user_id: str | None
    team: str | None
    missing_scopes: frozenset[str]


def sync_projects(settings: Settings, session_factory: SessionFactory) -> list[str]:
    """Load and validate every project file, then mirror them into the database."""
    loaded = load_projects(settings.projects_dir) if settings.projects_dir.exists() else []
    try:
        with unit_of_work(session_factory) as session:
            results = [sync_project(session, project) for project in loaded]
    except IntegrityError:
        # Another process starting at the same moment created the same rows first; the
        # second pass finds them and updates instead.
        with unit_of_work(session_factory) as session:
            results = [sync_project(session, project) for project in loaded]
    for result in results:
        if result.new_guideline_version:
            log.info(
                "%s: guidelines version %s recorded", result.slug, result.new_guideline_version
            )
    return [r.slug for r in results]


def check_identity(client: WebClient) -> Identity:
    """Call auth.test, log who the bot is, and warn about scopes the code needs but lacks.

    Raises RuntimeError when Slack refuses the token, SlackUnreachable when it cannot be asked.
    """
    try:
        response = client.auth_test()
    except Exception as exc:
        if slack_unreachable(exc):
            raise SlackUnreachable(
                f"Slack could not be reached at {client.base_url} (auth.test: {reason(exc)})."
            ) from None
        if not isinstance(exc, SlackApiError):
            raise
        error = exc.response.get("error") if exc.response is not None else "unknown"
        raise RuntimeError(f"Slack rejected the bot token (auth.test: {error}).") from None
    granted = frozenset(
        s.strip() for s in str(response.headers.get("x-oauth-scopes", "")).split(",") if s.strip()
    )
    missing = REQUIRED_SCOPES - granted if granted else frozenset()
    log.info(
        "connected as %s (%s) in %s",
        response.get("user"),
        response.get("user_id"),
        response.get("team"),
    )
    if missing:
        log.warning(
            "the bot token lacks scopes %s; reinstall the app from manifest.yml",
            ", ".join(sorted(missing)),
        )
    return Identity(response.get("user_id"), response.get("team"), missing)
