"""Helpers every listener uses: the injected services, post-ack safety, DM delivery, refusals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.runtime.failures import DATABASE_UNAVAILABLE, reason
from bot.runtime.services import Services
from bot.slack.request_errors import TRY_AGAIN
from bot.views.message import Message, render_notice
from storage.db import unit_of_work

log = logging.getLogger("handlers")

State = TypeVar("State")
Listener = Callable[[Ack, dict[str, Any], Respond, WebClient, BoltContext], None]
StatefulListener = Callable[[Ack, dict[str, Any], Respond, WebClient, BoltContext, State], None]


def services_of(context: BoltContext) -> Services:
    services = context.get("services")
    assert isinstance(services, Services), "create_app's middleware injects Services"
    return services


@contextmanager
def transaction(context: BoltContext) -> Iterator[Session]:
    with unit_of_work(services_of(context).sessions) as session:
        yield session


def after_ack(what: str, fn: Callable[[], Any]) -> None:
    """Run a Web API step after `ack()`, logging instead of raising.

    A listener that raises just after acking can make Bolt 1.30 answer 404 instead of the ack;
    the work that failed is recovered on the person's next interaction (the lease is kept).
    """
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - every failure here must stay out of Bolt
        log.warning("%s failed after ack: %s", what, _describe(exc))


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None and hasattr(response, "get"):
        return f"{type(exc).__name__} ({response.get('error')})"
    return type(exc).__name__


def is_db_unavailable(exc: Exception) -> bool:
    return isinstance(exc, OperationalError)


def send_dm(client: WebClient, user_id: str, message: Message) -> str | None:
    """Post a message in the person's DM with the bot; returns the message ts."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    response = client.chat_postMessage(
        channel=channel,
        blocks=message.blocks,
        text=message.text,
        unfurl_links=False,
        unfurl_media=False,
    )
    ts = response.get("ts")
    return str(ts) if ts else None


def reply(respond: Any, message: Message, *, replace: bool) -> None:
    """Answer through the interaction's response_url (no chat.update rate limit)."""
    if replace:
        respond(replace_original=True, blocks=message.blocks, text=message.text)
    else:
        respond(
            response_type="ephemeral",
            replace_original=False,
            blocks=message.blocks,
            text=message.text,
        )


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(body.get("user_id", ""))


def store_then_ack(
    context: BoltContext, ack: Any, respond: Any, work: Callable[[Session], Any]
) -> Any | None:
    """Run `work` in one transaction, then ack; on a database failure ack and say try again.

    Returns None when nothing was stored (the caller then does nothing more).
    """
    try:
        with transaction(context) as session:
            result = work(session)
    except DATABASE_UNAVAILABLE as exc:
        log.error("database unavailable: %s", reason(exc))
        ack()
        after_ack(
            "try-again notice",
            lambda: respond(text=TRY_AGAIN, response_type="ephemeral", replace_original=False),
        )
        return None
    ack()
    return result


def refuse(ack: Ack, respond: Respond, text: str) -> None:
    """Ack, then tell the presser privately why nothing happened."""
    ack()
    after_ack("refusal", lambda: reply(respond, render_notice(text), replace=False))


def with_button_state(
    decode: Callable[[str | None], State], refusal: str
) -> Callable[[StatefulListener[State]], Listener]:
    """Decorate a button listener so it receives the state decoded from the button's value.

    `decode` raises ValueError on a malformed or forged value; the click is then acked and
    refused with `refusal`, so the listener itself only ever sees well-formed state. The wrapper
    declares Bolt's argument names itself (no `functools.wraps`: Bolt would unwrap it and read
    the inner signature).
    """

    def decorate(listener: StatefulListener[State]) -> Listener:
        def decoded(
            ack: Ack,
            body: dict[str, Any],
            respond: Respond,
            client: WebClient,
            context: BoltContext,
        ) -> None:
            try:
                state = decode(body["actions"][0].get("value"))
            except ValueError:
                return refuse(ack, respond, refusal)
            return listener(ack, body, respond, client, context, state)

        decoded.__name__ = decoded.__qualname__ = listener.__name__
        decoded.__doc__ = listener.__doc__
        return decoded

    return decorate
