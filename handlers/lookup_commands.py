"""`/label item` and `/label search`: read-only lookups, answered ephemerally after the ack."""

from __future__ import annotations

from bot.flows import lookup
from handlers.common import reply, services_of
from handlers.subcommands import Invocation, rest_of, subcommand
from storage.db import read_only


@subcommand("item", "item <id | external id>", "show an item: content, answers, review")
def show_item(call: Invocation) -> None:
    services = services_of(call.context)
    with read_only(services.sessions) as session:
        found = lookup.find_item(session, services, call.user_id, rest_of(call.text, 1))
    reply(call.respond, lookup.card(call.client, found), replace=False)


@subcommand("search", "search <words>", "find items by their text")
def search_items(call: Invocation) -> None:
    services = services_of(call.context)
    with read_only(services.sessions) as session:
        message = lookup.search_items(session, services, call.user_id, rest_of(call.text, 1))
    reply(call.respond, message, replace=False)
