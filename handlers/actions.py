"""Button and checkbox clicks on labeling cards, pickers and channel posts."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.flows import cards, channel_mode
from bot.flows import labeling as flow
from bot.runtime.services import Services
from bot.slack.ids import Action
from bot.views.inputs import ticked
from bot.views.state import CardState, Clicked, decode_picked, decode_row_id
from handlers.common import decode_button
from handlers.executor import Request, ack_then_run, refuse, store_then_ack

card_state = decode_button("card", CardState.decode, cards.BAD_CARD)


def register(app: App) -> None:
    with_card = [card_state]
    app.action(re.compile(rf"^{Action.ANSWER}:"), middleware=with_card)(on_answer)
    app.action(Action.SUBMIT_CHOICES, middleware=with_card)(on_submit_choices)
    app.action(Action.CHOICES)(on_checkbox_change)
    for action, step in (
        (Action.UNDO, flow.undo),
        (Action.SKIP, flow.skip),
        (Action.STOP, flow.stop),
        (Action.ACK_GUIDELINES, flow.acknowledge),
    ):
        app.action(action, middleware=with_card)(_card_step(cards.card_step(step)))
    app.action(
        Action.START_LABELING,
        middleware=[decode_button("project_id", decode_row_id, cards.BAD_CARD)],
    )(on_start_labeling)
    app.action(
        Action.PICK_PROJECT, middleware=[decode_button("project_id", decode_picked, cards.BAD_CARD)]
    )(on_pick_project)
    app.action(Action.OPEN_LINK)(on_link)
    app.action(Action.UNSURE, middleware=with_card)(_modal(cards.unsure_modal))
    app.action(Action.OPEN_FREE_TEXT, middleware=with_card)(_modal(cards.free_text_modal))
    app.action(Action.SHOW_FULL_TEXT, middleware=with_card)(_modal(cards.full_text_modal))
    app.action(re.compile(rf"^{Action.CHANNEL_ANSWER}:"), middleware=with_card)(on_channel_answer)


def on_answer(
    incoming: Request, services: Services, user: str, body: dict[str, Any], card: CardState
) -> None:
    """Store the answer, ack, then turn the same card into the next item."""
    choice = str(body["actions"][0]["action_id"]).split(":", 1)[1]
    _answer(incoming, services, user, body, card, choice)


def on_submit_choices(
    incoming: Request, services: Services, user: str, body: dict[str, Any], card: CardState
) -> None:
    ticks = ticked((body.get("state") or {}).get("values") or {}, Action.CHOICES)
    _answer(incoming, services, user, body, card, ticks)


def _answer(
    incoming: Request,
    services: Services,
    user: str,
    body: dict[str, Any],
    card: CardState,
    value: Any,
) -> None:
    clicked = Clicked.from_body(body)
    store_then_ack(
        incoming, lambda s: cards.answer(s, services, user, card, value, clicked=clicked)
    )


def on_checkbox_change(ack: Ack) -> None:
    """Ticking a box needs no answer; the choice is read when Submit is pressed."""
    ack()


def _card_step(step: cards.CardStep) -> Any:
    """A listener for Undo, Skip, Stop or the guidelines' acknowledgement."""

    def listener(
        incoming: Request, services: Services, user: str, body: dict[str, Any], card: CardState
    ) -> None:
        clicked = Clicked.from_body(body)
        store_then_ack(incoming, lambda s: step(s, services, user, card, clicked))

    return listener


def on_start_labeling(
    incoming: Request, services: Services, user: str, body: dict[str, Any], project_id: int
) -> None:
    """From the App Home, a picker or a stopped card: a fresh card, in the clicked DM message
    when there is one."""
    clicked = Clicked.from_body(body)
    in_dm = clicked is not None and clicked.channel.startswith("D")
    ack_then_run(
        incoming,
        lambda s: cards.start(s, services, user, project_id, clicked if in_dm else None),
    )


def on_pick_project(incoming: Request, project_id: int) -> None:
    ack_then_run(incoming, lambda s: cards.picked_guidelines(s, project_id), read_only_work=True)


def on_link(ack: Ack) -> None:
    """URL buttons still send an interaction; Slack expects it acknowledged."""
    ack()


def _modal(render: cards.CardModal) -> Any:
    """A listener that opens a modal for the card's item (trigger ids expire after 3 s)."""

    def listener(incoming: Request, body: dict[str, Any], card: CardState) -> None:
        state = card.model_copy(update={"response_url": body.get("response_url")})
        ack_then_run(incoming, lambda s: render(s, state), read_only_work=True)

    return listener


def on_channel_answer(
    incoming: Request, services: Services, user: str, body: dict[str, Any], card: CardState
) -> None:
    if card.item_id is None or card.choice is None:
        return refuse(incoming, cards.BAD_CARD)
    clicked = Clicked.from_body(body)
    store_then_ack(incoming, lambda s: channel_mode.answer(s, services, user, card, clicked))
    return None
