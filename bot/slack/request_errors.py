"""What Slack gets when a request could not be handled: never a 5xx, never a stack trace.

- No listener for a well-formed payload: 404, as Bolt answers (Slack counts an event as
  undelivered), with one warning line instead of Bolt's multi-line suggestion.
- A project whose stored spec no longer validates: 200 with the fix (a slash command shows it).
- The database or Slack unreachable: 200 and "nothing was saved, try again" where Slack shows
  an answer (a slash command's text, a modal's error); one error line, no traceback.
- A payload a listener could not read (a key, an index, a type): 400, the sender's fault; the
  payload guard should have refused it, so the traceback is logged to close that gap.
- Anything else is a bug: logged with its traceback, answered 200 like an outage, because
  Slack's own message for a 5xx tells the person nothing and a retry meets the same bug.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from sqlalchemy.exc import DataError

from bot.projects.sync import StoredSpecInvalid
from bot.runtime.failures import database_unavailable, reason, slack_unreachable

log = logging.getLogger("bot.requests")

CLIENT_ADDRESS = "client_address"
TRY_AGAIN = "The database is busy or unavailable right now; nothing was saved. Please try again."
SLACK_DOWN = "Slack could not be reached just now; nothing was saved. Please try again."
BROKEN = "Something went wrong on our side; nothing was saved. Please try again later."
MALFORMED = (KeyError, IndexError, TypeError, ValueError, ArithmeticError, DataError)


def answer_error(error: Exception, body: dict[str, Any], request: BoltRequest) -> BoltResponse:
    client = request.context.get(CLIENT_ADDRESS) or "Socket Mode"
    what = describe(body)
    if isinstance(error, BoltUnhandledRequestError):
        log.warning("no listener for a %s request from %s", what, client)
        return BoltResponse(status=404, body="")
    if isinstance(error, StoredSpecInvalid):
        log.error("%s request refused: %s", what, error)
        return BoltResponse(status=200, body=str(error))
    if database_unavailable(error):
        log.error("%s request failed: the database is unavailable (%s)", what, reason(error))
        return notice(body, TRY_AGAIN)
    if slack_unreachable(error):
        log.error("%s request failed: Slack is unreachable (%s)", what, reason(error))
        return notice(body, SLACK_DOWN)
    if isinstance(error, MALFORMED):
        log.error("%s request from %s could not be read", what, client, exc_info=error)
        return BoltResponse(status=400, body="")
    log.error("%s request failed", what, exc_info=error)
    return notice(body, BROKEN)


def notice(body: dict[str, Any], text: str) -> BoltResponse:
    """A 200 that tells the person, where Slack shows the HTTP answer to them."""
    if "command" in body:
        return BoltResponse(status=200, body=text)
    if body.get("type") == "view_submission":
        blocks = (body.get("view") or {}).get("blocks") or []
        inputs = [b["block_id"] for b in blocks if b.get("type") == "input" and "block_id" in b]
        if inputs:
            answer = {"response_action": "errors", "errors": {inputs[0]: text}}
            return BoltResponse(
                status=200,
                body=json.dumps(answer),
                headers={"content-type": "application/json; charset=utf-8"},
            )
    return BoltResponse(status=200, body="")


def describe(body: dict[str, Any]) -> str:
    """The kind of request, for a log line: `/label`, `block_actions`, `event app_home_opened`."""
    if "command" in body:
        return str(body["command"])[:40]
    kind = str(body.get("type") or "unknown")[:40]
    event = body.get("event")
    if kind == "event_callback" and isinstance(event, dict):
        return f"event {str(event.get('type'))[:40]}"
    return kind
