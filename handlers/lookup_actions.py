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
from bot.ids import Action
from bot.views.labeling_card import render_notice
from handlers.common import after_ack, reply, services_of, store_then_ack, user_of
from storage.db import read_only

BAD_BUTTON = "That button's data was not understood; look the item up again with `/label item`."


def register(app: App) -> None:
    app.action(Action.OPEN_ITEM)(on_open_item)
    app.action(Action.SEND_TO_REVIEW)(on_send_to_review)
    app.action(Action.RELABEL)(on_relabel)


def _item_id(body: dict[str, Any]) -> int | None:
    raw = str(body["actions"][0].get("value") or "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _notice(respond: Respond, text: str) -> None:
    after_ack("lookup notice", lambda: reply(respond, render_notice(text), replace=False))


def on_open_item(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    item_id, user = _item_id(body), user_of(body)
    if item_id is None:
        return _notice(respond, BAD_BUTTON)

    def show() -> None:
        services = services_of(context)
        with read_only(services.sessions) as session:
            found = lookup.find_item(session, services, user, str(item_id))
        reply(respond, lookup.card(client, found), replace=False)

    after_ack("open item", show)
    return None


def on_send_to_review(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    item_id, user = _item_id(body), user_of(body)
    if item_id is None:
        ack()
        return _notice(respond, BAD_BUTTON)
    services = services_of(context)
    requested: lookup.Requested | None = store_then_ack(
        context, ack, respond, lambda s: lookup.request_review(s, services, user, item_id)
    )
    if requested is None:
        return None
    _notice(respond, requested.message)
    if requested.project_id is not None:
        project_id = requested.project_id
        after_ack("review post", lambda: publish_in_background(services, client, project_id))
    return None


def on_relabel(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    item_id, user = _item_id(body), user_of(body)
    if item_id is None:
        ack()
        return _notice(respond, BAD_BUTTON)
    services = services_of(context)
    message: str | None = store_then_ack(
        context, ack, respond, lambda s: lookup.relabel(s, services, user, item_id)
    )
    if message is not None:
        _notice(respond, message)
    return None
