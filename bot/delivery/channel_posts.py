"""Items posted to a labeling channel (channel mode): one message per second, Slack's pace for
a channel, each message's ts recorded so answers can update it."""

from __future__ import annotations

import time

from slack_sdk import WebClient
from sqlalchemy import select

from bot.flows.effects import PostItems
from bot.projects.sync import project_spec
from bot.runtime.services import Services
from bot.slack.messaging import post_message
from bot.views.channel_post import render_channel_post
from storage.db import unit_of_work
from storage.models import ChannelPost, Item
from storage.projects import project_by_id

SECONDS_BETWEEN_POSTS = 1.1  # chat.postMessage allows about one message per second per channel


def post_items(services: Services, client: WebClient, plan: PostItems) -> None:
    """Post each reserved item, pacing to Slack's per-channel rate; record each message's ts."""
    for index, item_id in enumerate(plan.item_ids):
        if index:
            time.sleep(SECONDS_BETWEEN_POSTS)
        with unit_of_work(services.sessions) as session:
            project = project_by_id(session, plan.project_id)
            item = session.get(Item, item_id)
            if project is None or item is None:
                continue
            message = render_channel_post(project, project_spec(project), item)
        ts = post_message(client, plan.channel, message)
        with unit_of_work(services.sessions) as session:
            post = session.scalars(
                select(ChannelPost).where(
                    ChannelPost.item_id == item_id, ChannelPost.channel == plan.channel
                )
            ).one()
            post.message_ts = ts
