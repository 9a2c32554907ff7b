"""Events: the App Home tab and replies in review threads. Bolt acks events before these run."""

from __future__ import annotations

from typing import Any

from bot.flows.discussion import record_thread_event
from bot.flows.home import publish_home
from bot.runtime.services import Services
from bot.slack.ids import Event
from handlers.executor import Request, ack_then_run


def register(app: Any) -> None:
    app.event(Event.APP_HOME_OPENED)(on_app_home_opened)
    app.event(Event.MESSAGE)(on_message)


def on_app_home_opened(incoming: Request, services: Services, event: dict[str, Any]) -> None:
    """Bolt acks events before the listener runs."""
    if event.get("tab") not in (None, "home"):
        return
    user = str(event.get("user") or "")
    ack_then_run(incoming, lambda s: publish_home(s, services, user), read_only_work=True)


def on_message(incoming: Request, body: dict[str, Any], event: dict[str, Any]) -> None:
    """Store review-thread replies, edits and deletions once, whatever Slack redelivers."""
    ack_then_run(incoming, lambda s: record_thread_event(s, body.get("event_id"), event))
