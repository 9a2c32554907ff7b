"""Operational failures, told apart from bugs: the database or Slack could not be reached.

Both the Slack error handler and the command line turn these into one line for a person (no
traceback: nothing in the code is wrong); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
from http.client import HTTPException

from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy import exc as sa

#: The database refused, dropped or never answered a connection (or SQLite's file cannot be
#: opened or written). `sa.TimeoutError` is the connection pool waiting in vain.
DATABASE_UNAVAILABLE = (sa.OperationalError, sa.InterfaceError, sa.TimeoutError)


class SlackUnreachable(Exception):
    """Slack's Web API gave no usable answer; the message names the URL and the cause."""


def database_unavailable(error: BaseException) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def slack_unreachable(error: BaseException) -> bool:
    """No answer from Slack's servers (network, DNS, TLS, timeout), or an HTTP 5xx or 429 once
    the client's own retries are spent: a refusal by Slack (`ok: false`) is not this."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        return status >= 500 or status == 429
    return isinstance(error, OSError | HTTPException | SlackRequestError)


def reason(error: BaseException) -> str:
    """The first line of what the driver or library said, which names the cause (connection
    refused, unable to open database file, timed out) without a stack or SQL text."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", None)
        return f"HTTP {status}" if status else "no answer"
    original = getattr(error, "orig", None) or getattr(error, "reason", None) or error
    lines = str(original).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """One error line for an outage, the traceback for anything else (a bug)."""
    if database_unavailable(error):
        logger.error("%s: the database is unavailable (%s)", what, reason(error))
    elif slack_unreachable(error):
        logger.error("%s: Slack is unreachable (%s)", what, reason(error))
    else:
        logger.error("%s", what, exc_info=error)
