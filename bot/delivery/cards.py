"""Posting a labeling card in a person's DM as their one live card, and retiring the card it
replaces (see `bot.flows.live_card` for what a click on a retired card gets)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.runtime.services import Services
from bot.slack.messaging import send_dm, update_message
from bot.views.labeling_card import render_superseded_card
from bot.views.message import Message
from bot.views.state import Clicked
from storage import live_cards
from storage.db import unit_of_work
from storage.projects import project_by_id

log = logging.getLogger(__name__)


def post_card(
    services: Services, client: WebClient, user_id: str, project_id: int, card: Message
) -> None:
    """Post a new card in the person's DM, make it the live one, retire the previous one."""
    channel, ts = send_dm(client, user_id, card)
    make_live(services, client, user_id, project_id, Clicked(channel=channel, ts=ts))


def make_live(
    services: Services, client: WebClient, user_id: str, project_id: int, card: Clicked
) -> None:
    """Record `card` as the live one and turn the card it replaces into a pointer to it."""
    with unit_of_work(services.sessions) as session:
        project = project_by_id(session, project_id)
        if project is None:
            return
        title = project.title
        previous = live_cards.make_live(
            session, project_id, user_id, card.channel, card.ts, services.clock()
        )
    if previous is None:
        return
    old = render_superseded_card(title)
    try:
        update_message(client, previous[0], previous[1], old)
    except Exception as exc:  # noqa: BLE001 - the old card's clicks are refused anyway
        log.info("the replaced card could not be updated: %s", type(exc).__name__)
