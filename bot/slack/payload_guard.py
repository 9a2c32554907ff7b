"""Check the shape of every Slack payload before Bolt or any listener reads it.

Slack's payloads are well formed, but anyone holding the signing secret, or a bug upstream, can
send one that is not; Bolt itself indexes fields such as `actions[0]` or `event.type` without
checking. A payload of a type the app does not serve, or missing what its type requires, is
answered 400 before anything reads it, so no listener ever sees it and nothing is written.

Beyond presence, every value a listener may store or look up is bounded here: Slack ids and
timestamps have their documented form, strings fit their columns, no string carries a NUL or
a lone surrogate (PostgreSQL and both drivers refuse those), and every number is finite and
fits 64 bits. Runs in the HTTP server (`bot.slack.gate`) and, for Socket Mode, as a Bolt
middleware.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

log = logging.getLogger(__name__)

#: Slack ids (users, channels, teams, bots) are upper-case letters and digits.
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,32}$")]
#: Message timestamps: seconds (at most ten digits, so always a valid date) and a fraction.
Ts = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}\.[0-9]{1,9}$")]
Name = Annotated[str, StringConstraints(max_length=255)]
EventId = Annotated[str, StringConstraints(max_length=64)]
Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s]+$")]
Metadata = Annotated[str, StringConstraints(max_length=3000)]
Text = Annotated[str, StringConstraints(max_length=40_000)]
MAX_INT = 2**63 - 1


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _User(_Loose):
    id: SlackId


class _Channel(_Loose):
    id: SlackId


class _Message(_Loose):
    ts: Ts | None = None
    thread_ts: Ts | None = None
    user: SlackId | None = None
    text: Text | None = None


class _State(_Loose):
    values: dict[str, dict[str, dict[str, Any]]] = {}


class _Container(_Loose):
    message_ts: Ts | None = None
    channel_id: SlackId | None = None


class _Action(_Loose):
    action_id: Name
    block_id: Name | None = None
    type: Name | None = None
    value: str | None = None  # decoded (and bounded) by the listener's state model


class _View(_Loose):
    type: Name
    id: Name | None = None
    hash: Name | None = None
    callback_id: Name = ""
    private_metadata: Metadata = ""
    state: _State = _State()
    blocks: list[dict[str, Any]] = []


class _Interaction(_Loose):
    user: _User
    trigger_id: Name | None = None
    response_url: Url | None = None
    channel: _Channel | None = None
    message: _Message | None = None


class _BlockActions(_Interaction):
    actions: list[_Action] = Field(min_length=1, max_length=25)
    container: _Container | None = None
    state: _State | None = None
    view: _View | None = None


class _ViewPayload(_Interaction):
    view: _View
    response_urls: list[dict[str, Any]] = []


class _Shortcut(_Interaction):
    callback_id: Name
    trigger_id: Name
    message_ts: Ts | None = None


class _Event(_Loose):
    type: Name
    subtype: Name | None = None


class _MessageEvent(_Event):
    ts: Ts | None = None
    thread_ts: Ts | None = None
    user: SlackId | None = None
    text: Text | None = None
    channel: SlackId | None = None
    bot_id: Name | None = None
    deleted_ts: Ts | None = None
    message: _Message | None = None
    previous_message: _Message | None = None


class _HomeOpened(_Event):
    user: SlackId
    tab: Name | None = None


class _EventEnvelope(_Loose):
    event: _Event
    event_id: EventId | None = None


class _Command(_Loose):
    user_id: SlackId
    command: Name
    text: Text = ""
    channel_id: SlackId | None = None
    trigger_id: Name | None = None
    response_url: Url | None = None


class _UrlVerification(_Loose):
    challenge: Name


SHAPES: dict[str, type[BaseModel]] = {
    "block_actions": _BlockActions,
    "view_submission": _ViewPayload,
    "view_closed": _ViewPayload,
    "message_action": _Shortcut,
    "shortcut": _Shortcut,
    "event_callback": _EventEnvelope,
    "url_verification": _UrlVerification,
    "app_rate_limited": _Loose,
}
EVENT_SHAPES: dict[str, type[BaseModel]] = {
    "message": _MessageEvent,
    "app_home_opened": _HomeOpened,
}


def problem(body: object) -> str | None:
    """What is wrong with a payload, or None when Bolt and the listeners may read it."""
    if not isinstance(body, dict):
        return "not a JSON object"
    if body.get("ssl_check") == "1" and "command" not in body:
        return None  # Slack's check of a slash command's certificate: Bolt answers it alone
    if "command" in body:
        shape: type[BaseModel] = _Command
    elif not isinstance(body.get("type"), str):
        return "neither a command nor a payload type"
    elif body["type"] in SHAPES:
        shape = SHAPES[body["type"]]
    else:
        return f"unsupported payload type {body['type'][:40]!r}"
    try:
        shape.model_validate(body)
        if shape is _EventEnvelope:
            event = body["event"]
            EVENT_SHAPES.get(event["type"], _Event).model_validate(event)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return _bad_value(body)


def _bad_value(body: dict[str, Any]) -> str | None:
    """A NUL, a lone surrogate or an out-of-range number anywhere in the payload."""
    pending: list[Any] = [body]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, str):
            if "\x00" in node:
                return "a string holds a NUL character"
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "a string is not valid Unicode"
        elif isinstance(node, int) and not -MAX_INT <= node <= MAX_INT:
            return "a number is out of range"
        elif isinstance(node, float) and not math.isfinite(node):
            return "a number is not finite"  # JSON's NaN and Infinity, which Python accepts
    return None


#: Set in a request's context by the HTTP server once `bot.slack.gate` has checked the payload.
CHECKED_BY_GATE = "payload_checked_by_gate"


class PayloadGuard(Middleware):
    """The same check for Socket Mode, where requests do not pass through the HTTP server
    (a request the gate has already checked is not checked twice)."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002
    ) -> BoltResponse:
        if req.context.get(CHECKED_BY_GATE):
            return next()
        issue = problem(req.body)
        if issue is not None:
            log.warning("refused a malformed payload: %s", issue)
            return BoltResponse(status=400, body="")
        return next()
