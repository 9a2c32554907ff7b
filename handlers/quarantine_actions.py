"""The Release button in the leads' quarantine DM. The button carries only the quarantine's
id; whether the presser leads its project is decided on the server."""

from __future__ import annotations

from slack_bolt import App

from bot.flows.consensus_upkeep import release_from_dm
from bot.runtime.services import Services
from bot.slack.ids import Action
from bot.views.state import decode_row_id
from handlers.common import decode_button
from handlers.executor import Request, store_then_ack

BAD_BUTTON = "That button's data was not understood; use `python -m bot annotators release`."


def register(app: App) -> None:
    with_id = [decode_button("quarantine_id", decode_row_id, BAD_BUTTON)]
    app.action(Action.RELEASE_ANNOTATOR, middleware=with_id)(on_release)


def on_release(incoming: Request, services: Services, user: str, quarantine_id: int) -> None:
    store_then_ack(incoming, lambda s: release_from_dm(s, services, user, quarantine_id))
