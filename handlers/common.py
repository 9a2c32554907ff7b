"""What every listener shares: the executor's request, the decoded state of the pressed
button (a listener middleware puts it in the listener's arguments), and who is asking.

Bolt passes any key of the request's context to a listener by name: `services` is put there
for every request (`bot.slack.app.ServicesMiddleware`), and `decode_button` puts the button's
decoded state there under the name the listener asks for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient

from bot.flows.effects import Refusal
from bot.runtime.services import Services
from handlers.executor import Request, carry_out

log = logging.getLogger("handlers")

State = TypeVar("State")


def request(
    ack: Callable[..., Any],
    respond: Respond | None,
    client: WebClient,
    services: Services,
    body: dict[str, Any],
    *,
    what: str | None = None,
) -> Request:
    """The executor's view of a Bolt request: the trigger id opens modals, and `what` names
    the request in a log line (by default the pressed action or the command)."""
    trigger = body.get("trigger_id")
    return Request(
        ack,
        _usable(respond),
        client,
        services,
        trigger_id=str(trigger) if trigger else None,
        what=what or _what(body),
        user=user_of(body) or None,
    )


def _usable(respond: Respond | None) -> Respond | None:
    """Bolt hands every listener a `respond`, which raises when the request had no
    response_url (an App Home button); None then, so replies go to the DM instead."""
    return respond if respond is not None and respond.response_url else None


def _what(body: dict[str, Any]) -> str:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return f"a {str(actions[0].get('action_id', '?'))[:40]} click"
    if body.get("command"):
        word = str(body.get("text") or "help").split(maxsplit=1)
        return f"{body['command']} {word[0][:20] if word else 'help'}"
    if body.get("type") == "view_submission":
        return "a form"
    return "a request"


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
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
        ack: Ack,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        next: Callable[[], None],  # noqa: A002 - Bolt's name for it
    ) -> BoltResponse | None:
        try:
            actions = body.get("actions") or [{}]
            context[name] = decode(actions[0].get("value"))
        except ValueError:
            services: Services = context["services"]
            acked = ack()
            user = user_of(body) or None
            refused = Request(ack, _usable(respond), client, services, user=user)
            services.background(lambda: carry_out(refused, Refusal(refusal)))
            return acked
        next()
        return None

    middleware.__name__ = f"decode_{name}"
    return middleware
