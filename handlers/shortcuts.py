"""Message shortcuts: "Label this message" and "Add to labeling queue"."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.labeling import AnswerStatus
from bot.flows import messages
from bot.flows.messages import Added, SlackMessage
from bot.flows.review import publish_in_background
from bot.slack.ids import Shortcut, View
from bot.views.message import render_notice
from bot.views.message_modal import (
    INLINE_TEXT,
    TARGET_ACTION,
    TARGET_BLOCK,
    MessageRef,
    parse_target,
    render_message_modal,
)
from bot.views.modals import submitted_value
from handlers.common import after_ack, reply, services_of, transaction, user_of
from storage.db import read_only
from storage.models import Project

NO_PROJECT = "No project you can label takes messages from this channel."


def register(app: App) -> None:
    app.shortcut(Shortcut.LABEL_MESSAGE)(on_label_message)
    app.shortcut(Shortcut.QUEUE_MESSAGE)(on_queue_message)
    app.view(View.LABEL_MESSAGE)(on_message_modal_submitted)


def on_label_message(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    after_ack("label message", lambda: _open(body, respond, client, context, label=True))


def on_queue_message(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    after_ack("queue message", lambda: _open(body, respond, client, context, label=False))


def _open(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext, *, label: bool
) -> None:
    """Open the modal first (the trigger id expires in 3 s), then look up the permalink."""
    message = messages.message_from_payload(body)
    user = user_of(body)
    if message is None:
        return reply(respond, render_notice("That message could not be read."), replace=False)
    with read_only(services_of(context).sessions) as session:
        projects = messages.eligible_projects(session, services_of(context), user, message.channel)
        if not projects:
            return reply(respond, render_notice(NO_PROJECT), replace=False)
        inline = message.text if len(message.text) <= INLINE_TEXT else None
        ref = MessageRef(
            channel=message.channel, ts=message.ts, label=label, text=inline, author=message.author
        )
        view = render_message_modal(projects, message.text, ref)
    opened = client.views_open(trigger_id=body["trigger_id"], view=view)
    permalink = client.chat_getPermalink(channel=message.channel, message_ts=message.ts)
    view["private_metadata"] = ref.model_copy(
        update={"permalink": permalink.get("permalink")}
    ).encode()
    client.views_update(view_id=opened["view"]["id"], hash=opened["view"].get("hash"), view=view)
    return None


def on_message_modal_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Validate the choice, close the modal, then create the item (and answer) after the ack."""
    view = body.get("view") or {}
    ref = MessageRef.decode(view.get("private_metadata"))
    values = (view.get("state") or {}).get("values") or {}
    target = parse_target(submitted_value(values, TARGET_BLOCK, TARGET_ACTION))
    if ref is None or target is None:
        ack(response_action="errors", errors={TARGET_BLOCK: "Choose a project."})
        return
    ack()
    user = user_of(body)
    after_ack("add message", lambda: _add(client, context, user, ref, *target))


def _add(
    client: WebClient,
    context: BoltContext,
    user: str,
    ref: MessageRef,
    project_id: int,
    choice: str | None,
) -> None:
    text = ref.text if ref.text is not None else _fetch_text(client, ref)
    if text is None:
        return _tell(client, user, ref, "That message is no longer there.")
    message = SlackMessage(ref.channel, ref.ts, text, ref.author, ref.permalink)
    with transaction(context) as session:
        project = session.get(Project, project_id)
        outcome = (
            messages.add_and_label(session, services_of(context), project, message, user, choice)
            if project is not None
            else "That project no longer exists."
        )
    if isinstance(outcome, str):
        return _tell(client, user, ref, outcome)
    if outcome.answer is not None and outcome.answer.reviews:
        publish_in_background(services_of(context), client, project_id)
    return _tell(client, user, ref, _summary(outcome))


def _fetch_text(client: WebClient, ref: MessageRef) -> str | None:
    """A long message, read again from Slack (only short text travels with the modal)."""
    response = client.conversations_replies(channel=ref.channel, ts=ref.ts, limit=1, inclusive=True)
    for message in response.get("messages") or []:
        if message.get("ts") == ref.ts:
            return str(message.get("text") or "")
    return None


def _summary(added: Added) -> str:
    state = "Added" if added.created else "Already in the queue"
    detail = ""
    if added.answer is not None and added.answer.status in (
        AnswerStatus.RECORDED,
        AnswerStatus.CHANGED,
    ):
        detail = " and your label is recorded"
    elif added.answer is not None:
        detail = f" ({added.answer.message})"
    return f"{state} as item {added.item.id}{detail}."


def _tell(client: WebClient, user: str, ref: MessageRef, text: str) -> None:
    notice = render_notice(text)
    client.chat_postEphemeral(
        channel=ref.channel, user=user, text=notice.text, blocks=notice.blocks
    )
