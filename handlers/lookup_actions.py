"""Buttons on lookup cards and search results: Open, Send to review, Relabel.

Each button carries only an item id; who may do what is decided on the server (a forged
Relabel from a non-lead changes nothing).
"""

from __future__ import annotations

from slack_bolt import App

from bot.flows import lookup
from bot.runtime.services import Services
from bot.slack.ids import Action
from bot.views.state import decode_row_id
from handlers.common import decode_button
from handlers.executor import Request, ack_then_run, store_then_ack

BAD_BUTTON = "That button's data was not understood; look the item up again with `/label item`."


def register(app: App) -> None:
    with_item = [decode_button("item_id", decode_row_id, BAD_BUTTON)]
    app.action(Action.OPEN_ITEM, middleware=with_item)(on_open_item)
    app.action(Action.SEND_TO_REVIEW, middleware=with_item)(on_send_to_review)
    app.action(Action.RELABEL, middleware=with_item)(on_relabel)


def on_open_item(incoming: Request, services: Services, user: str, item_id: int) -> None:
    ack_then_run(
        incoming,
        lambda s: lookup.find_item(s, services, user, str(item_id)),
        read_only_work=True,
    )


def on_send_to_review(incoming: Request, services: Services, user: str, item_id: int) -> None:
    store_then_ack(incoming, lambda s: lookup.request_review(s, services, user, item_id))


def on_relabel(incoming: Request, services: Services, user: str, item_id: int) -> None:
    store_then_ack(incoming, lambda s: lookup.relabel(s, services, user, item_id))
