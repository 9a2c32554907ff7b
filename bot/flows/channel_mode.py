"""Channel mode: leads post items into the labeling channel; anyone allowed answers there."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import audit, labeling
from bot.domain.access import is_lead, may_annotate
from bot.domain.labeling import AnswerResult, AnswerStatus
from bot.domain.quarantine import QUARANTINED, is_quarantined
from bot.flows.project_choice import find_project
from bot.projects.spec import TaskKind
from bot.projects.sync import listable_projects, project_spec
from bot.runtime.services import Services
from bot.views.channel_post import render_channel_post
from bot.views.message import Message
from storage.db import unit_of_work
from storage.models import ChannelPost, Item, ItemStatus, Project

log = logging.getLogger(__name__)

MAX_POST = 50
SECONDS_BETWEEN_POSTS = 1.1  # chat.postMessage allows about one message per second per channel


@dataclass(frozen=True)
class PostPlan:
    message: str
    project_id: int | None = None
    channel: str | None = None
    items: list[int] = field(default_factory=list)


def plan_post(session: Session, services: Services, user_id: str, args: list[str]) -> PostPlan:
    """Check `/label post N [project]` and reserve the items (so a repeat posts different ones)."""
    if not args or not args[0].isdigit() or not 1 <= int(args[0]) <= MAX_POST:
        return PostPlan(f"Usage: `/label post N [project]` with N from 1 to {MAX_POST}.")
    count = int(args[0])
    project = _lead_project(session, services, user_id, args[1] if len(args) > 1 else None)
    if isinstance(project, str):
        return PostPlan(project)
    spec = project_spec(project)
    if spec.task.kind not in (TaskKind.SINGLE_CHOICE, TaskKind.RATING):
        return PostPlan("Channel mode supports single-choice and rating projects only.")
    channel = spec.slack.labeling_channel
    if channel is None:
        return PostPlan(f"{project.title} has no `slack.labeling_channel` in its project file.")
    if project.paused:
        return PostPlan(f"{project.title} is paused; resume it first.")
    posted = select(ChannelPost.item_id).where(ChannelPost.channel == channel)
    item_ids = list(
        session.scalars(
            select(Item.id)
            .where(
                Item.project_id == project.id,
                Item.status == ItemStatus.OPEN,
                Item.is_gold.is_(False),
                Item.id.not_in(posted),
            )
            .order_by(Item.priority.desc(), Item.id)
            .limit(count)
        )
    )
    for item_id in item_ids:
        session.add(
            ChannelPost(item_id=item_id, project_id=project.id, channel=channel, posted_by=user_id)
        )
    try:
        session.flush()
    except IntegrityError:
        return PostPlan("Another post of these items is under way; try again in a moment.")
    if not item_ids:
        return PostPlan(f"{project.title} has no open items left to post.")
    audit.record(
        session,
        actor=user_id,
        action="post_items",
        project_id=project.id,
        detail={"count": len(item_ids), "channel": channel},
    )
    return PostPlan(
        f"Posting {len(item_ids)} item(s) of {project.title} to <#{channel}>, one per second.",
        project.id,
        channel,
        item_ids,
    )


def _lead_project(
    session: Session, services: Services, user_id: str, slug: str | None
) -> Project | str:
    """The named project (or the only one this person leads), or a refusal message."""
    if slug:
        project = find_project(session, slug)
        if project is None:
            return f"There is no project called {slug!r}."
        projects = [project]
    else:
        projects = listable_projects(session.scalars(select(Project)))
    led = [p for p in projects if is_lead(project_spec(p), user_id, services.directory)]
    if not led:
        return "Only a project lead can do that."
    if len(led) > 1:
        return "You lead several projects; name one: " + ", ".join(p.slug for p in led)
    return led[0]


def post_planned(services: Services, client: WebClient, plan: PostPlan) -> None:
    """Post each reserved item, pacing to Slack's per-channel rate; record each message's ts."""
    assert plan.channel is not None and plan.project_id is not None
    for index, item_id in enumerate(plan.items):
        if index:
            time.sleep(SECONDS_BETWEEN_POSTS)
        with unit_of_work(services.sessions) as session:
            project = session.get(Project, plan.project_id)
            item = session.get(Item, item_id)
            if project is None or item is None:
                continue
            message = render_channel_post(project, project_spec(project), item)
        response = client.chat_postMessage(
            channel=plan.channel,
            blocks=message.blocks,
            text=message.text,
            unfurl_links=False,
            unfurl_media=False,
        )
        with unit_of_work(services.sessions) as session:
            post = session.scalars(
                select(ChannelPost).where(
                    ChannelPost.item_id == item_id, ChannelPost.channel == plan.channel
                )
            ).one()
            post.message_ts = str(response.get("ts"))


def answer(
    session: Session, services: Services, user_id: str, project_id: int, item_id: int, value: Any
) -> AnswerResult:
    project = session.get(Project, project_id)
    if project is None:
        return AnswerResult(AnswerStatus.STALE, "That project no longer exists.")
    if not may_annotate(project_spec(project), user_id, services.directory):
        return AnswerResult(AnswerStatus.STALE, "You're not on this project's annotator list.")
    if project.paused:
        return AnswerResult(AnswerStatus.STALE, f"{project.title} is paused.")
    if is_quarantined(session, project, project_spec(project), user_id):
        return AnswerResult(AnswerStatus.STALE, QUARANTINED.format(title=project.title))
    return labeling.answer_in_channel(
        session,
        project,
        user_id,
        item_id=item_id,
        value=value,
        now=services.clock(),
        rng=services.rng,
    )


def refreshed_post(session: Session, project_id: int, item_id: int) -> Message | None:
    project = session.get(Project, project_id)
    item = session.get(Item, item_id)
    if project is None or item is None:
        return None
    return render_channel_post(project, project_spec(project), item)
