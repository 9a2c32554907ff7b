"""The one Web API client configuration: base URL from settings, retry handlers, and the
process's kept-alive connections (`bot.slack.http_pool`).

Bolt copies `base_url` and `retry_handlers` from the App's client into the plain `WebClient`
it makes for every request; `PooledClientMiddleware` swaps that one for a pooled copy, so
configuring them here covers every call the listeners make.
"""

from __future__ import annotations

import logging

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.runtime.config import Settings
from bot.slack.http_pool import PooledWebClient

WEB_API_TIMEOUT_SECONDS = 10


def make_client(settings: Settings, *, logger: logging.Logger | None = None) -> PooledWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return PooledWebClient(
        token=token,
        logger=logger,
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def start_up_logger() -> logging.Logger:
    """For a start-up call whose failure the caller reports in one line of its own: the
    client's request log stays (DEBUG), its retry and failure lines would repeat that line."""
    logger = logging.getLogger("bot.slack_start_up")
    if not logger.filters:
        logger.addFilter(lambda record: record.levelno <= logging.DEBUG)
    return logger
