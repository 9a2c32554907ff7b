"""Buttons on lookup cards and search results: Open, Send to review, Relabel.

Each button carries only an item id; who may do what is decided on the server (a forged
Relabel from a non-lead changes nothing).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows import lookup
from bot.runtime.services import Services
from bot.slack.ids import Action
from handlers.common import decode_button, request, user_of
from handlers.executor import ack_then_run, store_then_ack
from storage.row_ids import as_row_id

BAD_BUTTON = "That button's data was not understood; look the item up again with `/label item`."


def _item_id(value: str | None) -> int:
    """The item id a lookup button carries; ValueError for anything else (forged, garbled)."""
    item_id = as_row_id(value or "")
    if item_id is None:
        raise ValueError("not an item id")
    return item_id


def register(app: App) -> None:
    with_item = [decode_button("item_id", _item_id, BAD_BUTTON)]
    app.action(Action.OPEN_ITEM, middleware=with_item)(on_open_item)
    app.action(Action.SEND_TO_REVIEW, middleware=with_item)(on_send_to_review)
    app.action(Action.RELABEL, middleware=with_item)(on_relabel)


def on_open_item(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    item_id: int,
) -> None:
    user = user_of(body)
    ack_then_run(
        request(ack, respond, client, services, body),
        lambda s: lookup.find_item(s, services, user, str(item_id)),
        read_only_work=True,
    )


def on_send_to_review(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    item_id: int,
) -> None:
    user = user_of(body)
    store_then_ack(
        request(ack, respond, client, services, body),
        lambda s: lookup.request_review(s, services, user, item_id),
    )


def on_relabel(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    item_id: int,
) -> None:
    user = user_of(body)
    store_then_ack(
        request(ack, respond, client, services, body),
        lambda s: lookup.relabel(s, services, user, item_id),
    )
