"""An item's lookup card with a link to its review thread, which only Slack can give
(`chat.getPermalink`); without it the card is shown all the same."""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.lookup_card import ItemDetails, render_lookup_card
from bot.views.message import Message

log = logging.getLogger(__name__)


def lookup_card(client: WebClient, details: ItemDetails) -> Message:
    if details.review is not None and details.review_post is not None:
        channel, ts = details.review_post
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError as exc:
            log.warning("chat.getPermalink failed: %s", exc.response.get("error"))
            permalink = None
        if isinstance(permalink, str):
            details = replace(details, review=replace(details.review, permalink=permalink))
    return render_lookup_card(details)
