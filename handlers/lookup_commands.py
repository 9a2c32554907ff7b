"""`/label item` and `/label search`: read-only lookups, answered ephemerally after the ack."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.flows import lookup
from bot.flows.effects import Outcome
from bot.runtime.services import Services
from handlers.subcommands import Invocation, subcommand


@subcommand(
    "item", "item <id | external id>", "show an item: content, answers, review", read_only=True
)
def show_item(session: Session, services: Services, call: Invocation) -> Outcome:
    return lookup.find_item(session, services, call.user_id, call.rest(1))


@subcommand("search", "search <words>", "find items by their text", read_only=True)
def search_items(session: Session, services: Services, call: Invocation) -> Outcome:
    return lookup.search_items(session, services, call.user_id, call.rest(1))
