"""Message shortcuts: "Label this message" and "Add to labeling queue"."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.flows import shortcuts
from bot.flows.effects import AddMessage
from bot.runtime.services import Services
from bot.slack.ids import Shortcut, View
from bot.views.inputs import form_values, submitted
from bot.views.message_modal import TARGET_ACTION, TARGET_BLOCK, MessageRef, parse_target
from handlers.executor import Request, ack_then_run, after_ack


def register(app: App) -> None:
    app.shortcut(Shortcut.LABEL_MESSAGE)(on_label_message)
    app.shortcut(Shortcut.QUEUE_MESSAGE)(on_queue_message)
    app.view(View.LABEL_MESSAGE)(on_message_modal_submitted)


def on_label_message(
    incoming: Request, services: Services, user: str, body: dict[str, Any]
) -> None:
    _open(incoming, services, user, body, label=True)


def on_queue_message(
    incoming: Request, services: Services, user: str, body: dict[str, Any]
) -> None:
    _open(incoming, services, user, body, label=False)


def _open(
    incoming: Request, services: Services, user: str, body: dict[str, Any], *, label: bool
) -> None:
    ack_then_run(
        incoming,
        lambda s: shortcuts.message_modal(s, services, user, body, label=label),
        read_only_work=True,
    )


def on_message_modal_submitted(incoming: Request, user: str, body: dict[str, Any]) -> None:
    """Validate the choice, close the modal, then create the item (and answer) after the ack."""
    ref = MessageRef.decode((body.get("view") or {}).get("private_metadata"))
    target = parse_target(submitted(form_values(body), TARGET_BLOCK, TARGET_ACTION))
    if ref is None or target is None:
        incoming.ack(response_action="errors", errors={TARGET_BLOCK: "Choose a project."})
        return
    incoming.ack()
    project_id, choice = target
    after_ack(incoming, [AddMessage(user, ref, project_id, choice)])
