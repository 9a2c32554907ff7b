"""The Release button in the leads' quarantine DM. The button carries only the quarantine's
id; whether the presser leads its project is decided on the server."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.flows.consensus_upkeep import Released, release_from_dm
from bot.slack.ids import Action
from bot.views.message import render_notice
from handlers.common import (
    after_ack,
    reply,
    services_of,
    store_then_ack,
    user_of,
    with_button_state,
)

BAD_BUTTON = "That button's data was not understood; use `python -m bot annotators release`."


def register(app: App) -> None:
    app.action(Action.RELEASE_ANNOTATOR)(on_release)


def _quarantine_id(value: str | None) -> int:
    raw = str(value or "")
    if not (raw.isdigit() and len(raw) < 19):
        raise ValueError("not a quarantine id")
    return int(raw)


@with_button_state(_quarantine_id, BAD_BUTTON)
def on_release(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    quarantine_id: int,
) -> None:
    user, services = user_of(body), services_of(context)
    outcome: Released | None = store_then_ack(
        context, ack, respond, lambda s: release_from_dm(s, services, user, quarantine_id)
    )
    if outcome is None:
        return
    if outcome.refusal is not None:
        refusal = outcome.refusal
        after_ack("release refusal", lambda: reply(respond, render_notice(refusal), replace=False))
    elif outcome.message is not None:
        message = outcome.message
        after_ack("release notice", lambda: reply(respond, message, replace=True))
