"""Button and checkbox clicks on labeling cards, pickers and channel posts."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.labeling import AnswerResult, AnswerStatus
from bot.flows import card_modals, channel_mode
from bot.flows import labeling as flow
from bot.flows.live_card import CardRef, Superseded, guard_card, make_live, post_card
from bot.flows.project_choice import project_by_id
from bot.flows.review import publish_in_background
from bot.slack.ids import Action
from bot.views.message import Message, render_notice
from bot.views.modals import render_free_text_modal, render_full_text_modal, render_unsure_modal
from bot.views.state import CardState
from handlers.common import (
    after_ack,
    refuse,
    reply,
    send_dm,
    store_then_ack,
    transaction,
    user_of,
    with_button_state,
)
from storage.row_ids import as_row_id

BAD_CARD = "That button's data was not understood; use `/label next` for a fresh card."

with_card_state = with_button_state(CardState.decode, BAD_CARD)


def register(app: App) -> None:
    app.action(re.compile(rf"^{Action.ANSWER}:"))(on_answer)
    app.action(Action.SUBMIT_CHOICES)(on_submit_choices)
    app.action(Action.CHOICES)(on_checkbox_change)
    app.action(Action.UNDO)(on_undo)
    app.action(Action.SKIP)(on_skip)
    app.action(Action.STOP)(on_stop)
    app.action(Action.ACK_GUIDELINES)(on_ack_guidelines)
    app.action(Action.START_LABELING)(on_start_labeling)
    app.action(Action.PICK_PROJECT)(on_pick_project)
    app.action(Action.OPEN_LINK)(on_link)
    app.action(Action.UNSURE)(on_open_unsure)
    app.action(Action.OPEN_FREE_TEXT)(on_open_free_text)
    app.action(Action.SHOW_FULL_TEXT)(on_show_full_text)
    app.action(re.compile(rf"^{Action.CHANNEL_ANSWER}:"))(on_channel_answer)


def _answer_then_next(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    state: CardState,
    value: Any,
) -> None:
    """Store the answer, ack, then turn the same card into the next item."""
    user = user_of(body)
    services = context["services"]
    card_ref = CardRef.from_body(body)
    answered: flow.Answered | None = store_then_ack(
        context,
        ack,
        respond,
        lambda s: flow.answer_and_prepare(s, services, user, state, value, card=card_ref),
    )
    if answered is None:
        return None
    notice = answered.notice
    if notice is not None:
        after_ack("card notice", lambda: reply(respond, notice, replace=False))
    if answered.result.status is AnswerStatus.DUPLICATE:
        return None
    if answered.result.status is AnswerStatus.NOT_YOURS:
        message = render_notice(answered.result.message)
        after_ack("refusal", lambda: reply(respond, message, replace=False))
        return None
    card = answered.card
    if card is not None:
        after_ack("next card", lambda: reply(respond, card, replace=True))
    if answered.result.reviews:
        after_ack(
            "review post",
            lambda: publish_in_background(services, context.client, state.project_id),
        )
    return None


@with_card_state
def on_answer(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    state: CardState,
) -> None:
    choice = str(body["actions"][0]["action_id"]).split(":", 1)[1]
    _answer_then_next(ack, body, respond, context, state, choice)


@with_card_state
def on_submit_choices(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    state: CardState,
) -> None:
    selected = _selected_checkboxes(body)
    _answer_then_next(ack, body, respond, context, state, selected)


def _selected_checkboxes(body: dict[str, Any]) -> list[str]:
    values = (body.get("state") or {}).get("values") or {}
    for block in values.values():
        element = block.get(Action.CHOICES)
        if element is not None:
            return [str(o.get("value")) for o in element.get("selected_options") or []]
    return []


def on_checkbox_change(ack: Ack) -> None:
    """Ticking a box needs no answer; the choice is read when Submit is pressed."""
    ack()


def _card_step(name: str, step: Any) -> Any:
    """A listener that runs one flow step (undo, skip, stop, guidelines) and replaces the card."""

    @with_card_state
    def listener(
        ack: Ack,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        state: CardState,
    ) -> None:
        user = user_of(body)
        card_ref = CardRef.from_body(body)
        outcome: Message | Superseded | None = store_then_ack(
            context,
            ack,
            respond,
            lambda s: (
                guard_card(s, user, state, card_ref) or step(s, context["services"], user, state)
            ),
        )
        if isinstance(outcome, Superseded):
            superseded = outcome
            after_ack(name, lambda: reply(respond, superseded.notice, replace=False))
            after_ack(name, lambda: reply(respond, superseded.card, replace=True))
        elif outcome is not None:
            message = outcome
            after_ack(name, lambda: reply(respond, message, replace=True))

    listener.__name__ = f"on_{name}"
    return listener


on_undo = _card_step("undo", flow.undo)
on_skip = _card_step("skip", flow.skip)
on_stop = _card_step("stop", flow.stop)
on_ack_guidelines = _card_step("ack_guidelines", flow.acknowledge)


def on_start_labeling(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """From the App Home, a picker or a stopped card: send a fresh card to the person's DM."""
    ack()
    raw = str(body["actions"][0].get("value") or "")
    user = user_of(body)
    container = body.get("container") or {}
    in_dm = container.get("type") == "message" and str(
        container.get("channel_id") or ""
    ).startswith("D")
    card = CardRef.from_body(body) if in_dm else None
    after_ack("start labeling", lambda: _start(context, respond, client, user, raw, card))


def _start(
    context: BoltContext,
    respond: Respond,
    client: WebClient,
    user: str,
    raw: str,
    card: CardRef | None,
) -> None:
    """The fresh card replaces the clicked DM message, or is posted in the DM; either way it
    becomes the person's one live card."""
    project_id = as_row_id(raw)
    if project_id is None:
        send_dm(client, user, render_notice(BAD_CARD))
        return
    services = context["services"]
    with transaction(context) as session:
        project = project_by_id(session, project_id)
        if project is None:
            message = render_notice("That project no longer exists.")
        else:
            message = flow.next_card(
                session, services, project, user, CardState(project_id=project.id)
            )
    if project is None:
        send_dm(client, user, message)
    elif card is not None:
        reply(respond, message, replace=True)
        make_live(services, client, user, project_id, card)
    else:
        post_card(services, client, user, project_id, message)


def on_pick_project(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    raw = str(body["actions"][0].get("value") or "")
    kind, _, number = raw.partition(":")
    project_id = as_row_id(number)
    if kind != "guidelines" or project_id is None:
        return after_ack("picker", lambda: reply(respond, render_notice(BAD_CARD), replace=False))

    def show() -> None:
        with transaction(context) as session:
            project = project_by_id(session, project_id)
            message = (
                flow.guidelines_message(session, project)
                if project is not None
                else render_notice("That project no longer exists.")
            )
        reply(respond, message, replace=True)

    after_ack("guidelines", show)
    return None


def on_link(ack: Ack) -> None:
    """URL buttons still send an interaction; Slack expects it acknowledged."""
    ack()


def _open_modal(name: str, render: Any) -> Any:
    """Open a modal for the card's item at once (trigger ids expire after 3 seconds)."""

    @with_card_state
    def listener(
        ack: Ack,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        state: CardState,
    ) -> None:
        ack()
        state = state.model_copy(update={"response_url": body.get("response_url")})
        with transaction(context) as session:
            view = render(session, state)
        if view is None:
            after_ack(name, lambda: reply(respond, render_notice(BAD_CARD), replace=False))
        else:
            after_ack(name, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))

    listener.__name__ = f"on_{name}"
    return listener


on_open_unsure = _open_modal("unsure", lambda s, state: render_unsure_modal(state))
on_open_free_text = _open_modal(
    "free_text",
    lambda s, state: render_free_text_modal(*card_modals.free_text_context(s, state), state),
)
on_show_full_text = _open_modal(
    "full_text", lambda s, state: render_full_text_modal(*card_modals.full_text_context(s, state))
)


@with_card_state
def on_channel_answer(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    state: CardState,
) -> None:
    if state.item_id is None or state.choice is None:
        return refuse(ack, respond, BAD_CARD)
    user = user_of(body)
    services = context["services"]
    item_id, choice = state.item_id, state.choice
    result: AnswerResult | None = store_then_ack(
        context,
        ack,
        respond,
        lambda s: channel_mode.answer(s, services, user, state.project_id, item_id, choice),
    )
    if result is None:
        return None
    after_ack("channel answer reply", lambda: _channel_reply(respond, result))
    if result.reviews:
        after_ack("review post", lambda: publish_in_background(services, client, state.project_id))
    if result.status in (AnswerStatus.RECORDED, AnswerStatus.CHANGED):
        container = body.get("container") or {}
        after_ack(
            "channel post update",
            lambda: _update_post(context, client, container, state.project_id, item_id),
        )
    return None


def _channel_reply(respond: Respond, result: AnswerResult) -> None:
    text = {
        AnswerStatus.RECORDED: "Thanks, your answer is recorded.",
        AnswerStatus.CHANGED: "Your answer is changed.",
    }.get(result.status, result.message)
    reply(respond, render_notice(text), replace=False)


def _update_post(
    context: BoltContext,
    client: WebClient,
    container: dict[str, Any],
    project_id: int,
    item_id: int,
) -> None:
    with transaction(context) as session:
        message = channel_mode.refreshed_post(session, project_id, item_id)
    if message is not None and container.get("channel_id") and container.get("message_ts"):
        client.chat_update(
            channel=container["channel_id"],
            ts=container["message_ts"],
            blocks=message.blocks,
            text=message.text,
        )
