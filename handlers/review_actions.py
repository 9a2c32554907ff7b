"""Leads' buttons on review posts and the resolve / edge-case modals behind them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from sqlalchemy.orm import Session

from bot.flows import review_decisions as decide
from bot.flows.effects import Outcome, Refusal
from bot.runtime.services import Services
from bot.slack.ids import Action, View
from bot.views.inputs import Values, form_values
from bot.views.review_modals import (
    HARD_ACTION,
    HARD_BLOCK,
    LABEL_BLOCK,
    NOTE_ACTION,
    NOTE_BLOCK,
    WORDING_ACTION,
    WORDING_BLOCK,
    submitted_label,
    submitted_note,
)
from bot.views.review_state import ReviewRef
from handlers.common import decode_button
from handlers.executor import Request, ack_then_run, store_then_ack, submit

BAD_BUTTON = "That button's data was not understood."


def register(app: App) -> None:
    with_ref = [decode_button("ref", ReviewRef.decode, BAD_BUTTON)]
    app.action(re.compile(rf"^{Action.RESOLVE}:"), middleware=with_ref)(on_resolve)
    app.action(Action.SEND_BACK, middleware=with_ref)(on_send_back)
    app.action(Action.OPEN_RESOLVE, middleware=with_ref)(_modal_opener(decide.resolve_modal))
    app.action(Action.MARK_EDGE_CASE, middleware=with_ref)(_modal_opener(decide.edge_case_modal))
    app.view(View.RESOLVE)(on_resolve_submitted)
    app.view(View.EDGE_CASE)(on_edge_case_submitted)


def on_resolve(incoming: Request, services: Services, user: str, ref: ReviewRef) -> None:
    """One click resolves a single-choice item as the button's label (no note)."""
    store_then_ack(incoming, lambda s: decide.resolve(s, services, user, ref, ref.choice, None))


def on_send_back(incoming: Request, services: Services, user: str, ref: ReviewRef) -> None:
    store_then_ack(incoming, lambda s: decide.send_back(s, services, user, ref))


def _modal_opener(render: Callable[[Session, Services, str, ReviewRef], Outcome]) -> Any:
    """Check leadership, then open the modal (trigger ids expire after 3 seconds)."""

    def listener(incoming: Request, services: Services, user: str, ref: ReviewRef) -> None:
        ack_then_run(incoming, lambda s: render(s, services, user, ref), read_only_work=True)

    return listener


Decide = Callable[[Session, Services, str, ReviewRef, Values], Outcome]


def _submitted(
    incoming: Request, services: Services, user: str, body: dict[str, Any], block: str, work: Decide
) -> None:
    """Store the decision, then close the modal; a refusal shows in the form, nothing saved."""
    values = form_values(body)
    try:
        ref = ReviewRef.decode((body.get("view") or {}).get("private_metadata"))
    except ValueError:
        incoming.ack(response_action="errors", errors={block: "This form expired."})
        return
    submit(incoming, lambda s: work(s, services, user, ref, values), block)


def on_resolve_submitted(
    incoming: Request, services: Services, user: str, body: dict[str, Any]
) -> None:
    def work(
        session: Session, services: Services, user: str, ref: ReviewRef, values: Values
    ) -> Outcome:
        label, note = submitted_label(values), submitted_note(values, NOTE_BLOCK, NOTE_ACTION)
        return decide.resolve(session, services, user, ref, label, note)

    _submitted(incoming, services, user, body, LABEL_BLOCK, work)


def on_edge_case_submitted(
    incoming: Request, services: Services, user: str, body: dict[str, Any]
) -> None:
    def work(
        session: Session, services: Services, user: str, ref: ReviewRef, values: Values
    ) -> Outcome:
        hard = submitted_note(values, HARD_BLOCK, HARD_ACTION)
        if hard is None:
            return Refusal("Say what makes this item hard.")
        wording = submitted_note(values, WORDING_BLOCK, WORDING_ACTION)
        return decide.mark_edge_case(session, services, user, ref, hard, wording)

    _submitted(incoming, services, user, body, HARD_BLOCK, work)
