"""Slack messages as data: message shortcuts turn a message into an item (and maybe an answer).

Only projects that list the message's channel in `slack.source_channels` take messages from it.
The same message added twice is one item (its external id is `slack:<channel>:<ts>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import labeling
from bot.domain.access import may_annotate
from bot.domain.labeling import AnswerResult
from bot.flows.effects import Refusal
from bot.projects.sync import listable_projects, project_spec
from bot.runtime.services import Services
from storage.models import Item, Project

MAX_MESSAGE_TEXT = 40_000


@dataclass(frozen=True)
class SlackMessage:
    channel: str
    ts: str
    text: str
    author: str | None
    permalink: str | None = None

    @property
    def external_id(self) -> str:
        return f"slack:{self.channel}:{self.ts}"


def message_from_payload(body: dict[str, Any]) -> SlackMessage | None:
    """The message a shortcut was used on, or None when the payload lacks one."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    ts = message.get("ts")
    if not channel or not ts:
        return None
    return SlackMessage(
        channel=str(channel),
        ts=str(ts),
        text=str(message.get("text") or "")[:MAX_MESSAGE_TEXT],
        author=message.get("user"),
    )


def eligible_projects(
    session: Session, services: Services, user_id: str, channel: str
) -> list[Project]:
    """Projects this person may label that accept messages from this channel."""
    projects = listable_projects(session.scalars(select(Project).order_by(Project.title)))
    return [
        p
        for p in projects
        if channel in project_spec(p).slack.source_channels
        and may_annotate(project_spec(p), user_id, services.directory)
        and not p.paused
    ]


@dataclass(frozen=True)
class Added:
    item: Item
    created: bool
    answer: AnswerResult | None = None


def add_message(
    session: Session, services: Services, project: Project, message: SlackMessage, user_id: str
) -> Added | Refusal:
    """Create (or find) the message's item; a refusal when the channel or person is not
    allowed."""
    spec = project_spec(project)
    if message.channel not in spec.slack.source_channels:
        return Refusal(f"{project.title} does not take messages from that channel.")
    if not may_annotate(spec, user_id, services.directory):
        return Refusal(f"You're not on the annotator list for {project.title}.")
    existing = session.scalars(
        select(Item).where(Item.project_id == project.id, Item.external_id == message.external_id)
    ).first()
    if existing is not None:
        return Added(existing, created=False)
    data: dict[str, Any] = {spec.display_keys[0]: message.text, "channel": message.channel}
    if message.permalink:
        data["permalink"] = message.permalink
    if spec.slack.keep_message_author and message.author:
        data["author"] = message.author
    item = Item(
        project_id=project.id,
        external_id=message.external_id,
        data=data,
        source="slack",
        source_ref=message.permalink or message.external_id,
        required_answers=spec.overlap,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        found = session.scalars(
            select(Item).where(
                Item.project_id == project.id, Item.external_id == message.external_id
            )
        ).one()
        return Added(found, created=False)
    return Added(item, created=True)


def add_and_label(
    session: Session,
    services: Services,
    project: Project,
    message: SlackMessage,
    user_id: str,
    choice: str | None,
) -> Added | Refusal:
    added = add_message(session, services, project, message, user_id)
    if isinstance(added, Refusal) or choice is None:
        return added
    answer = labeling.answer_in_channel(
        session,
        project,
        user_id,
        item_id=added.item.id,
        value=choice,
        now=services.clock(),
        rng=services.rng,
    )
    return Added(added.item, added.created, answer)
