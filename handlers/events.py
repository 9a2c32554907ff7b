"""Events: the App Home tab and replies in review threads. Bolt acks events before these run."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.flows.discussion import record_thread_event
from bot.flows.home import publish_home
from bot.runtime.services import Services
from bot.slack.ids import Event
from handlers.common import request
from handlers.executor import ack_then_run


def register(app: Any) -> None:
    app.event(Event.APP_HOME_OPENED)(on_app_home_opened)
    app.event(Event.MESSAGE)(on_message)


def _acked() -> None:
    """Events are acked by Bolt before the listener runs."""


def on_app_home_opened(event: dict[str, Any], client: WebClient, services: Services) -> None:
    if event.get("tab") not in (None, "home"):
        return
    user = str(event.get("user") or "")
    ack_then_run(
        request(_acked, None, client, services, {}, what="an App Home event"),
        lambda s: publish_home(s, services, user),
        read_only_work=True,
    )


def on_message(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, services: Services
) -> None:
    """Store review-thread replies, edits and deletions once, whatever Slack redelivers."""
    ack_then_run(
        request(_acked, None, client, services, {}, what="a message event"),
        lambda s: record_thread_event(s, body.get("event_id"), event),
    )
