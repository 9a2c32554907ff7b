"""What a listener talks to Slack through: `respond()`, retried once on a 429, and a `client`;
both on the process's kept-alive connections (`bot.slack.http_pool`).

Bolt's own `respond()` posts through a `WebhookClient` without the rate-limit handler, so a 429
left the card stale until the person asked again. Listeners call `respond()` only after the
ack, so the wait for `Retry-After` never delays Slack's three seconds; a wait longer than
`MAX_WAIT_SECONDS` is not worth a listener thread and is given up instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.middleware import Middleware
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookResponse

from bot.slack.http_pool import PooledWebClient, PooledWebhookClient

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 10


class _OneRateLimitRetry(RateLimitErrorRetryHandler):
    """One retry after `Retry-After`, when that is a number of seconds no larger than the cap."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=1)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = {k.lower(): v for k, v in response.headers.items()}.get("retry-after") or ["1"]
        wait = str(values[0]).strip()
        return wait.isascii() and wait.isdigit() and int(wait) <= MAX_WAIT_SECONDS


class RetryingRespond(Respond):
    def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        client = PooledWebhookClient(
            url=self.response_url,
            proxy=self.proxy,
            ssl=self.ssl,
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1), _OneRateLimitRetry()],
        )
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        response = client.send_dict(message)
        if response.status_code != 200:
            log.warning(
                "response_url answered HTTP %s (%.80s)", response.status_code, response.body
            )
        return response


class RetryingRespondMiddleware(Middleware):
    """Give every listener the retrying `respond()` (Bolt builds its own only when none is set)."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002
    ) -> BoltResponse:
        context = req.context
        if context.response_url is not None:
            context["respond"] = RetryingRespond(
                response_url=context.response_url,
                proxy=context.client.proxy if context.client else None,
                ssl=context.client.ssl if context.client else None,
            )
        return next()


class PooledClientMiddleware(Middleware):
    """Give every request a `PooledWebClient` in place of the plain `WebClient` Bolt makes for
    each request (a copy of the App's client settings, so a subclass given to the App never
    reaches the listeners). Registered as the App's `before_authorize`, ahead of everything that
    reads `context.client`, Bolt's own authorization included."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002
    ) -> BoltResponse:
        context = req.context
        plain = context.client
        context["client"] = PooledWebClient(
            token=plain.token,
            base_url=plain.base_url,
            timeout=plain.timeout,
            ssl=plain.ssl,
            proxy=plain.proxy,
            headers=dict(plain.headers),
            team_id=context.team_id,
            logger=plain.logger,
            retry_handlers=plain.retry_handlers,
        )
        return next()
