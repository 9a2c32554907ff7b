"""Events: the App Home tab and replies in review threads. Bolt acks events before these run."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.flows import discussion
from bot.flows.home import home_view
from bot.runtime.failures import log_failure
from bot.slack.ids import Event
from handlers.common import after_ack, log, services_of, transaction
from storage.db import read_only


def register(app: App) -> None:
    app.event(Event.APP_HOME_OPENED)(on_app_home_opened)
    app.event(Event.MESSAGE)(on_message)


def on_app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return
    user = str(event.get("user") or "")

    def publish() -> None:
        with read_only(services_of(context).sessions) as session:
            view = home_view(session, services_of(context), user)
        client.views_publish(user_id=user, view=view)

    after_ack("app home", publish)


def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """Store review-thread replies, edits and deletions once, whatever Slack redelivers."""
    try:
        with transaction(context) as session:
            if not discussion.first_delivery(session, body.get("event_id")):
                return
            outcome = discussion.apply_message_event(session, event)
    except Exception as exc:
        log_failure(log, "could not apply a message event", exc)
        return
    if outcome is not discussion.ThreadEvent.IGNORED:
        log.info("review thread %s: %s", event.get("channel"), outcome.value)
