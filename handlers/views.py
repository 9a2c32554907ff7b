"""Modal submissions: Unsure reasons and free-text answers."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.domain.labeling import UNSURE_REASONS, Unsure
from bot.flows import cards
from bot.runtime.services import Services
from bot.slack.ids import View
from bot.views.inputs import form_values, submitted, submitted_text
from bot.views.modals import (
    ANSWER_ACTION,
    ANSWER_BLOCK,
    MAX_NOTE,
    NOTE_ACTION,
    NOTE_BLOCK,
    REASON_ACTION,
    REASON_BLOCK,
)
from bot.views.state import CardState
from handlers.executor import Request, submit


def register(app: App) -> None:
    app.view(View.UNSURE)(on_unsure_submitted)
    app.view(View.FREE_TEXT)(on_free_text_submitted)


def on_unsure_submitted(
    incoming: Request, services: Services, user: str, body: dict[str, Any]
) -> None:
    values = form_values(body)
    reason = submitted(values, REASON_BLOCK, REASON_ACTION)
    if reason not in UNSURE_REASONS:
        incoming.ack(response_action="errors", errors={REASON_BLOCK: "Choose a reason."})
        return
    note = submitted_text(values, NOTE_BLOCK, NOTE_ACTION, limit=MAX_NOTE)
    unsure = Unsure(reason=str(reason), note=note)
    _submit(incoming, services, user, body, None, unsure)


def on_free_text_submitted(
    incoming: Request, services: Services, user: str, body: dict[str, Any]
) -> None:
    text = submitted(form_values(body), ANSWER_BLOCK, ANSWER_ACTION)
    if not isinstance(text, str) or not text.strip():
        incoming.ack(response_action="errors", errors={ANSWER_BLOCK: "Write an answer first."})
        return
    _submit(incoming, services, user, body, text, None)


def _submit(
    incoming: Request,
    services: Services,
    user: str,
    body: dict[str, Any],
    value: Any,
    unsure: Unsure | None,
) -> None:
    """Store the answer, close the modal, then turn the card (via its response_url) over."""
    block = _first_input(body)
    try:
        state = CardState.decode((body.get("view") or {}).get("private_metadata"))
    except ValueError:
        incoming.ack(response_action="errors", errors={block: "This form expired."})
        return
    submit(
        incoming,
        lambda s: cards.answer(s, services, user, state, value, unsure=unsure),
        block,
    )


def _first_input(body: dict[str, Any]) -> str:
    """The first input of the modal: Slack shows errors only under inputs (the free-text
    modal starts with the item's content)."""
    blocks = (body.get("view") or {}).get("blocks") or []
    inputs = [block for block in blocks if block.get("type") == "input"]
    return str((inputs[0].get("block_id") if inputs else None) or ANSWER_BLOCK)
