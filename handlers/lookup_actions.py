"""Buttons on lookup cards and search results: Open, Send to review, Relabel.

Each button carries only an item id; who may do what is decided on the server (a forged
Relabel from a non-lead changes nothing).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.flows import lookup
from bot.flows.review import publish_in_background
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
from storage.db import read_only
from storage.row_ids import as_row_id

BAD_BUTTON = "That button's data was not understood; look the item up again with `/label item`."


def register(app: App) -> None:
    app.action(Action.OPEN_ITEM)(on_open_item)
    app.action(Action.SEND_TO_REVIEW)(on_send_to_review)
    app.action(Action.RELABEL)(on_relabel)


def _item_id(value: str | None) -> int:
    """The item id a lookup button carries; ValueError for anything else (forged, garbled)."""
    item_id = as_row_id(value or "")
    if item_id is None:
        raise ValueError("not an item id")
    return item_id


with_item_id = with_button_state(_item_id, BAD_BUTTON)


def _notice(respond: Respond, text: str) -> None:
    after_ack("lookup notice", lambda: reply(respond, render_notice(text), replace=False))


@with_item_id
def on_open_item(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    item_id: int,
) -> None:
    ack()
    user = user_of(body)

    def show() -> None:
        services = services_of(context)
        with read_only(services.sessions) as session:
            found = lookup.find_item(session, services, user, str(item_id))
        reply(respond, lookup.card(client, found), replace=False)

    after_ack("open item", show)


@with_item_id
def on_send_to_review(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    item_id: int,
) -> None:
    user, services = user_of(body), services_of(context)
    requested: lookup.Requested | None = store_then_ack(
        context, ack, respond, lambda s: lookup.request_review(s, services, user, item_id)
    )
    if requested is None:
        return
    _notice(respond, requested.message)
    if requested.project_id is not None:
        project_id = requested.project_id
        after_ack("review post", lambda: publish_in_background(services, client, project_id))


@with_item_id
def on_relabel(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    item_id: int,
) -> None:
    user, services = user_of(body), services_of(context)
    message: str | None = store_then_ack(
        context, ack, respond, lambda s: lookup.relabel(s, services, user, item_id)
    )
    if message is not None:
        _notice(respond, message)
