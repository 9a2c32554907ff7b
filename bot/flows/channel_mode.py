"""Channel mode: leads post items into the labeling channel; anyone allowed answers there."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import audit, labeling
from bot.domain.access import may_annotate
from bot.domain.labeling import AnswerStatus
from bot.domain.quarantine import QUARANTINED, is_quarantined
from bot.flows.effects import Effect, Outcome, PostItems, PublishReviews, Refusal, Update, notice
from bot.flows.project_choice import lead_project
from bot.projects.spec import TaskKind
from bot.projects.sync import project_spec
from bot.runtime.services import Services
from bot.views.channel_post import render_channel_post
from bot.views.message import Message
from bot.views.state import CardState, Clicked
from storage.models import ChannelPost, Item, ItemStatus
from storage.projects import project_by_id

log = logging.getLogger(__name__)

MAX_POST = 50
BAD_POST = "That button's data was not understood; ask a lead to post the item again."


def plan_post(session: Session, services: Services, user_id: str, args: list[str]) -> Outcome:
    """Check `/label post N [project]` and reserve the items (so a repeat posts different ones);
    the posting itself runs in the background, paced (`effects.PostItems`)."""
    if not args or not args[0].isdigit() or not 1 <= int(args[0]) <= MAX_POST:
        return Refusal(f"Usage: `/label post N [project]` with N from 1 to {MAX_POST}.")
    count = int(args[0])
    project = lead_project(session, services, user_id, args[1] if len(args) > 1 else None)
    if isinstance(project, Refusal):
        return project
    spec = project_spec(project)
    if spec.task.kind not in (TaskKind.SINGLE_CHOICE, TaskKind.RATING):
        return Refusal("Channel mode supports single-choice and rating projects only.")
    channel = spec.slack.labeling_channel
    if channel is None:
        return Refusal(f"{project.title} has no `slack.labeling_channel` in its project file.")
    if project.paused:
        return Refusal(f"{project.title} is paused; resume it first.")
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
    if not item_ids:
        return Refusal(f"{project.title} has no open items left to post.")
    for item_id in item_ids:
        session.add(
            ChannelPost(item_id=item_id, project_id=project.id, channel=channel, posted_by=user_id)
        )
    try:
        session.flush()
    except IntegrityError:
        return Refusal("Another post of these items is under way; try again in a moment.")
    audit.record(
        session,
        actor=user_id,
        action="post_items",
        project_id=project.id,
        detail={"count": len(item_ids), "channel": channel},
    )
    said = f"Posting {len(item_ids)} item(s) of {project.title} to <#{channel}>, one per second."
    return [*notice(said), PostItems(project.id, channel, item_ids)]


def answer(
    session: Session,
    services: Services,
    user_id: str,
    state: CardState,
    post: Clicked | None,
) -> Outcome:
    """A click on a channel post: record (or change) the person's answer, tell them, and
    refresh the post's answer count."""
    project = project_by_id(session, state.project_id)
    if project is None:
        return Refusal("That project no longer exists.")
    if state.item_id is None or state.choice is None:
        return Refusal(BAD_POST)
    spec = project_spec(project)
    if not may_annotate(spec, user_id, services.directory):
        return Refusal("You're not on this project's annotator list.")
    if project.paused:
        return Refusal(f"{project.title} is paused.")
    if is_quarantined(session, project, spec, user_id):
        return Refusal(QUARANTINED.format(title=project.title))
    result = labeling.answer_in_channel(
        session,
        project,
        user_id,
        item_id=state.item_id,
        value=state.choice,
        now=services.clock(),
        rng=services.rng,
    )
    said = {
        AnswerStatus.RECORDED: "Thanks, your answer is recorded.",
        AnswerStatus.CHANGED: "Your answer is changed.",
    }.get(result.status, result.message)
    effects: list[Effect] = notice(said)
    if result.reviews:
        effects.append(PublishReviews(project.id))
    refreshed = refreshed_post(session, project.id, state.item_id)
    stored = result.status in (AnswerStatus.RECORDED, AnswerStatus.CHANGED)
    if stored and post is not None and refreshed is not None:
        effects.append(Update(post.channel, post.ts, refreshed))
    return effects


def refreshed_post(session: Session, project_id: int, item_id: int) -> Message | None:
    project = project_by_id(session, project_id)
    item = session.get(Item, item_id)
    if project is None or item is None:
        return None
    return render_channel_post(project, project_spec(project), item)
