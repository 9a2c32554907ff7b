"""The Release button in the leads' quarantine DM. The button carries only the quarantine's
id; whether the presser leads its project is decided on the server."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows.consensus_upkeep import release_from_dm
from bot.runtime.services import Services
from bot.slack.ids import Action
from handlers.common import decode_button, request, user_of
from handlers.executor import store_then_ack
from storage.row_ids import as_row_id

BAD_BUTTON = "That button's data was not understood; use `python -m bot annotators release`."


def _quarantine_id(value: str | None) -> int:
    found = as_row_id(value or "")
    if found is None:
        raise ValueError("not a quarantine id")
    return found


def register(app: App) -> None:
    with_id = [decode_button("quarantine_id", _quarantine_id, BAD_BUTTON)]
    app.action(Action.RELEASE_ANNOTATOR, middleware=with_id)(on_release)


def on_release(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    quarantine_id: int,
) -> None:
    user = user_of(body)
    store_then_ack(
        request(ack, respond, client, services, body),
        lambda s: release_from_dm(s, services, user, quarantine_id),
    )
