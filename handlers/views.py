"""Modal submissions: Unsure reasons and free-text answers."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.webhook import WebhookClient

from bot.domain.labeling import UNSURE_REASONS, AnswerStatus, Unsure
from bot.flows import labeling as flow
from bot.flows.review import publish_in_background
from bot.runtime.failures import log_failure
from bot.slack.ids import View
from bot.views.message import Message
from bot.views.modals import (
    ANSWER_ACTION,
    ANSWER_BLOCK,
    NOTE_ACTION,
    NOTE_BLOCK,
    REASON_ACTION,
    REASON_BLOCK,
    submitted_value,
)
from bot.views.state import CardState
from handlers.common import after_ack, log, user_of
from storage.db import unit_of_work


def register(app: App) -> None:
    app.view(View.UNSURE)(on_unsure_submitted)
    app.view(View.FREE_TEXT)(on_free_text_submitted)


def _values(body: dict[str, Any]) -> dict[str, Any]:
    return dict(((body.get("view") or {}).get("state") or {}).get("values") or {})


def _metadata(body: dict[str, Any]) -> CardState | None:
    try:
        return CardState.decode((body.get("view") or {}).get("private_metadata"))
    except ValueError:
        return None


def on_unsure_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    values = _values(body)
    reason = submitted_value(values, REASON_BLOCK, REASON_ACTION)
    note = submitted_value(values, NOTE_BLOCK, NOTE_ACTION)
    if reason not in UNSURE_REASONS:
        ack(response_action="errors", errors={REASON_BLOCK: "Choose a reason."})
        return
    unsure = Unsure(reason=str(reason), note=str(note)[:1000] if note else None)
    return _submit(ack, body, context, None, unsure)


def on_free_text_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    text = submitted_value(_values(body), ANSWER_BLOCK, ANSWER_ACTION)
    if not isinstance(text, str) or not text.strip():
        ack(response_action="errors", errors={ANSWER_BLOCK: "Write an answer first."})
        return
    return _submit(ack, body, context, text, None)


def _submit(
    ack: Ack, body: dict[str, Any], context: BoltContext, value: Any, unsure: Unsure | None
) -> None:
    """Store the answer, close the modal, then turn the card (via its response_url) over."""
    state = _metadata(body)
    if state is None:
        ack(response_action="errors", errors={_first_block(body): "This form expired."})
        return
    user = user_of(body)
    services = context["services"]
    try:
        with unit_of_work(services.sessions) as session:
            answered = flow.answer_and_prepare(session, services, user, state, value, unsure)
    except Exception as exc:
        log_failure(log, "could not store a modal answer", exc)
        ack(
            response_action="errors",
            errors={_first_block(body): "Could not save; please try again."},
        )
        return
    result = answered.result
    if result.status in (AnswerStatus.INVALID, AnswerStatus.NOT_YOURS):
        ack(response_action="errors", errors={_first_block(body): result.message})
        return
    ack()
    if answered.card is not None and state.response_url:
        card, url = answered.card, state.response_url
        after_ack("card after modal", lambda: _replace_card(url, card))
    if result.reviews:
        after_ack(
            "review post",
            lambda: publish_in_background(services, context.client, state.project_id),
        )
    return None


def _first_block(body: dict[str, Any]) -> str:
    """The first input of the modal: Slack shows errors only under inputs (the free-text
    modal starts with the item's content)."""
    blocks = (body.get("view") or {}).get("blocks") or []
    inputs = [block for block in blocks if block.get("type") == "input"]
    return str((inputs[0].get("block_id") if inputs else None) or ANSWER_BLOCK)


def _replace_card(response_url: str, card: Message) -> None:
    WebhookClient(response_url).send(replace_original=True, blocks=card.blocks, text=card.text)
