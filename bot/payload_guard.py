"""Check the shape of every Slack payload before any listener (or Bolt's own helpers) reads it.

Slack's payloads are well formed, but anyone holding the signing secret, or a bug upstream, can
send one that is not; Bolt itself indexes fields such as `view.type` without checking. A payload
missing what its type requires is answered 400 here, so no listener ever sees it and nothing is
written. Runs as a class-based Bolt middleware, after Bolt has verified the signature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

log = logging.getLogger(__name__)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _User(_Loose):
    id: str


class _Action(_Loose):
    action_id: str
    type: str | None = None
    value: str | None = None


class _View(_Loose):
    type: str
    callback_id: str = ""
    private_metadata: str = ""
    state: dict[str, Any] = {}


class _BlockActions(_Loose):
    user: _User
    actions: list[_Action]


class _ViewPayload(_Loose):
    user: _User
    view: _View


class _Shortcut(_Loose):
    user: _User
    callback_id: str
    trigger_id: str


class _Event(_Loose):
    type: str


class _EventEnvelope(_Loose):
    event: _Event


class _Command(_Loose):
    user_id: str
    command: str
    text: str = ""


SHAPES: dict[str, type[BaseModel]] = {
    "block_actions": _BlockActions,
    "view_submission": _ViewPayload,
    "view_closed": _ViewPayload,
    "message_action": _Shortcut,
    "shortcut": _Shortcut,
    "event_callback": _EventEnvelope,
}


def problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a payload's shape, or None when its type's required fields are there."""
    if not isinstance(body, dict):
        return "not an object"
    if "command" in body:
        shape: type[BaseModel] | None = _Command
    else:
        shape = SHAPES.get(str(body.get("type")))
    if shape is None:
        return None  # url_verification, ssl_check and types Bolt answers by itself
    try:
        shape.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return None


class PayloadGuard(Middleware):
    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002
    ) -> BoltResponse:
        issue = problem(req.body)
        if issue is not None:
            log.warning("refused a malformed %s payload (%s)", req.body.get("type"), issue)
            return BoltResponse(status=400, body="")
        return next()
