"""Message shortcuts: "Label this message" and "Add to labeling queue"."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows import shortcuts
from bot.flows.effects import AddMessage
from bot.runtime.services import Services
from bot.slack.ids import Shortcut, View
from bot.views.inputs import form_values, submitted
from bot.views.message_modal import TARGET_ACTION, TARGET_BLOCK, MessageRef, parse_target
from handlers.common import request, user_of
from handlers.executor import ack_then_run, carry_out


def register(app: App) -> None:
    app.shortcut(Shortcut.LABEL_MESSAGE)(on_label_message)
    app.shortcut(Shortcut.QUEUE_MESSAGE)(on_queue_message)
    app.view(View.LABEL_MESSAGE)(on_message_modal_submitted)


def on_label_message(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, services: Services
) -> None:
    _open(ack, body, respond, client, services, label=True)


def on_queue_message(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, services: Services
) -> None:
    _open(ack, body, respond, client, services, label=False)


def _open(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    *,
    label: bool,
) -> None:
    user = user_of(body)
    ack_then_run(
        request(ack, respond, client, services, body),
        lambda s: shortcuts.message_modal(s, services, user, body, label=label),
        read_only_work=True,
    )


def on_message_modal_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services
) -> None:
    """Validate the choice, close the modal, then create the item (and answer) after the ack."""
    ref = MessageRef.decode((body.get("view") or {}).get("private_metadata"))
    target = parse_target(submitted(form_values(body), TARGET_BLOCK, TARGET_ACTION))
    if ref is None or target is None:
        ack(response_action="errors", errors={TARGET_BLOCK: "Choose a project."})
        return
    ack()
    project_id, choice = target
    carry_out(
        request(ack, None, client, services, body),
        [AddMessage(user_of(body), ref, project_id, choice)],
    )
