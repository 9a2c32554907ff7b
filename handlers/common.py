"""What every listener is given, so none re-declares Bolt's arguments or digs in the context.

Bolt passes any key of the request's context to a listener by name. Three are put there:
- `services`, for every request (`bot.slack.app.ServicesMiddleware`);
- `incoming` (the executor's `Request`: ack, respond, client, services, trigger id) and
  `user` (who is asking), for every request (`IncomingMiddleware`, registered with the
  listeners);
- the pressed button's decoded state (`card`, `ref`, `item_id`, `project_id`, …), by the
  listener middleware `decode_button`, which refuses a forged or garbled value itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware

from bot.flows.effects import Refusal
from bot.runtime.services import Services
from handlers.executor import Request, after_ack

State = TypeVar("State")


class IncomingMiddleware(Middleware):
    """Put `incoming` and `user` into every request's context (after `services`)."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt's name for it
    ) -> BoltResponse:
        context, body = req.context, req.body
        services = context.get("services")
        if isinstance(services, Services):
            context["user"] = user_of(body)
            context["incoming"] = _incoming(context, services, body)
        return next()


def _incoming(context: BoltContext, services: Services, body: dict[str, Any]) -> Request:
    trigger = body.get("trigger_id")
    return Request(
        context.ack,
        _usable(context.respond),
        context.client,
        services,
        trigger_id=str(trigger) if trigger else None,
        what=_what(body),
        user=user_of(body) or None,
    )


def _usable(respond: Respond | None) -> Respond | None:
    """Bolt hands every listener a `respond`, which raises when the request had no
    response_url (an App Home button, a modal); None then, so replies go to the DM instead."""
    return respond if respond is not None and respond.response_url else None


def _what(body: dict[str, Any]) -> str:
    """The request, named for a log line."""
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return f"a {str(actions[0].get('action_id', '?'))[:40]} click"
    if body.get("command"):
        word = str(body.get("text") or "help").split(maxsplit=1)
        return f"{body['command']} {word[0][:20] if word else 'help'}"
    event = body.get("event")
    if isinstance(event, dict):
        return f"a {str(event.get('type', '?'))[:40]} event"
    kind = body.get("type")
    if kind == "view_submission":
        return "a form"
    if kind in ("shortcut", "message_action"):
        return "a shortcut"
    return "a request"


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    event = body.get("event")
    if isinstance(event, dict) and event.get("user"):
        return str(event["user"])
    return str(body.get("user_id", ""))


def decode_button(
    name: str, decode: Callable[[str | None], State], refusal: str
) -> Callable[..., BoltResponse | None]:
    """A listener middleware that decodes the pressed button's value into `context[name]`.

    `decode` raises ValueError on a malformed or forged value; the click is then acked (the
    ack is the middleware's response: Bolt answers 404 for a middleware that neither calls
    `next` nor returns one) and refused with `refusal` after the ack, and the listener never
    runs, so it only ever sees sound state.
    """

    def middleware(
        body: dict[str, Any],
        context: BoltContext,
        next: Callable[[], None],  # noqa: A002 - Bolt's name for it
    ) -> BoltResponse | None:
        try:
            actions = body.get("actions") or [{}]
            context[name] = decode(actions[0].get("value"))
        except ValueError:
            incoming: Request = context["incoming"]
            acked: BoltResponse = incoming.ack()
            after_ack(incoming, Refusal(refusal))
            return acked
        next()
        return None

    middleware.__name__ = f"decode_{name}"
    return middleware
