"""Leads' buttons on review posts and the resolve / edge-case modals behind them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.flows import review_decisions as decide
from bot.runtime.failures import log_failure
from bot.slack.ids import Action, View
from bot.views.message import Message, render_notice
from bot.views.review_modals import (
    HARD_ACTION,
    HARD_BLOCK,
    LABEL_BLOCK,
    NOTE_ACTION,
    NOTE_BLOCK,
    WORDING_ACTION,
    WORDING_BLOCK,
    submitted_label,
    submitted_text,
)
from bot.views.review_state import ReviewRef
from handlers.common import (
    after_ack,
    log,
    reply,
    send_dm,
    services_of,
    store_then_ack,
    user_of,
    with_button_state,
)
from storage.db import read_only, unit_of_work

BAD_BUTTON = "That button's data was not understood."

with_review_ref = with_button_state(ReviewRef.decode, BAD_BUTTON)


def register(app: App) -> None:
    app.action(re.compile(rf"^{Action.RESOLVE}:"))(on_resolve)
    app.action(Action.SEND_BACK)(on_send_back)
    app.action(Action.OPEN_RESOLVE)(on_open_resolve)
    app.action(Action.MARK_EDGE_CASE)(on_open_edge_case)
    app.view(View.RESOLVE)(on_resolve_submitted)
    app.view(View.EDGE_CASE)(on_edge_case_submitted)


@with_review_ref
def on_resolve(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    ref: ReviewRef,
) -> None:
    """One click resolves a single-choice item as the button's label (no note)."""
    services, user = services_of(context), user_of(body)
    outcome = store_then_ack(
        context, ack, respond, lambda s: decide.resolve(s, services, user, ref, ref.choice, None)
    )
    _deliver(client, respond, outcome)


@with_review_ref
def on_send_back(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    ref: ReviewRef,
) -> None:
    services, user = services_of(context), user_of(body)
    outcome = store_then_ack(
        context, ack, respond, lambda s: decide.send_back(s, services, user, ref)
    )
    _deliver(client, respond, outcome)


def _deliver(
    client: WebClient, respond: Respond | None, outcome: decide.Decision | str | None
) -> None:
    """After the ack: refuse privately, or update the post, close the thread and tell people."""
    if outcome is None:
        return
    if isinstance(outcome, str):
        if respond is not None:
            after_ack("refusal", lambda: reply(respond, render_notice(outcome), replace=False))
        return
    channel, ts = outcome.channel, outcome.ts
    if channel and ts:
        post, note = outcome.post, outcome.thread_note
        after_ack(
            "review post update",
            lambda: client.chat_update(channel=channel, ts=ts, blocks=post.blocks, text=post.text),
        )
        after_ack(
            "review thread note",
            lambda: client.chat_postMessage(
                channel=channel,
                thread_ts=ts,
                blocks=note.blocks,
                text=note.text,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
    for user_id, dm in outcome.dms:
        _dm(client, user_id, dm)


def _dm(client: WebClient, user_id: str, message: Message) -> None:
    after_ack("decision DM", lambda: send_dm(client, user_id, message))


def _modal_opener(name: str, render: Callable[..., dict[str, Any] | str]) -> Any:
    """Check leadership, then open the modal at once (trigger ids expire after 3 seconds)."""

    @with_review_ref
    def listener(
        ack: Ack,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        ref: ReviewRef,
    ) -> None:
        ack()
        user, services = user_of(body), services_of(context)
        with read_only(services.sessions) as session:
            view = render(session, services, user, ref)
        if isinstance(view, str):
            refusal = render_notice(view)
            after_ack("refusal", lambda: reply(respond, refusal, replace=False))
        else:
            after_ack(name, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))

    listener.__name__ = f"on_{name}"
    return listener


on_open_resolve = _modal_opener("open_resolve", decide.resolve_modal)
on_open_edge_case = _modal_opener("open_edge_case", decide.edge_case_modal)


def _submit(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    error_block: str,
    work: Callable[[Session, ReviewRef, str, dict[str, Any]], decide.Decision | str],
) -> None:
    """Store the decision, then close the modal; a refusal shows in the form, nothing saved."""
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    user, services = user_of(body), services_of(context)
    try:
        ref = ReviewRef.decode(view.get("private_metadata"))
    except ValueError:
        ack(response_action="errors", errors={error_block: "This form expired."})
        return
    try:
        with unit_of_work(services.sessions) as session:
            outcome = work(session, ref, user, values)
            if isinstance(outcome, str):
                session.rollback()
    except Exception as exc:
        log_failure(log, "could not store a review decision", exc)
        ack(response_action="errors", errors={error_block: "Could not save; please try again."})
        return
    if isinstance(outcome, str):
        ack(response_action="errors", errors={error_block: outcome[:150]})
        return
    ack()
    _deliver(client, None, outcome)


def on_resolve_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)

    def work(
        session: Session, ref: ReviewRef, user: str, values: dict[str, Any]
    ) -> decide.Decision | str:
        label, note = submitted_label(values), submitted_text(values, NOTE_BLOCK, NOTE_ACTION)
        return decide.resolve(session, services, user, ref, label, note)

    _submit(ack, body, client, context, LABEL_BLOCK, work)


def on_edge_case_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)

    def work(
        session: Session, ref: ReviewRef, user: str, values: dict[str, Any]
    ) -> decide.Decision | str:
        hard = submitted_text(values, HARD_BLOCK, HARD_ACTION)
        if hard is None:
            return "Say what makes this item hard."
        wording = submitted_text(values, WORDING_BLOCK, WORDING_ACTION)
        return decide.mark_edge_case(session, services, user, ref, hard, wording)

    _submit(ack, body, client, context, HARD_BLOCK, work)
