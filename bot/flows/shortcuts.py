"""The message shortcuts ("Label this message", "Add to labeling queue"): which projects may
take the message, and what the person is told once it is added."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.domain.labeling import AnswerStatus
from bot.flows import messages
from bot.flows.effects import Effect, Ephemeral, OpenMessageModal, Outcome, PublishReviews, Refusal
from bot.flows.messages import Added, SlackMessage
from bot.runtime.services import Services
from bot.views.message import render_notice
from bot.views.message_modal import INLINE_TEXT, MessageRef, render_message_modal
from storage.projects import project_by_id

NO_PROJECT = "No project you can label takes messages from this channel."


def message_modal(
    session: Session, services: Services, user_id: str, body: dict[str, Any], *, label: bool
) -> Outcome:
    """The modal to pick a project (and a label), for a message a project may take."""
    message = messages.message_from_payload(body)
    if message is None:
        return Refusal("That message could not be read.")
    projects = messages.eligible_projects(session, services, user_id, message.channel)
    if not projects:
        return Refusal(NO_PROJECT)
    inline = message.text if len(message.text) <= INLINE_TEXT else None
    ref = MessageRef(
        channel=message.channel, ts=message.ts, label=label, text=inline, author=message.author
    )
    return [OpenMessageModal(render_message_modal(projects, message.text, ref), ref)]


def add(
    session: Session,
    services: Services,
    user_id: str,
    ref: MessageRef,
    project_id: int,
    choice: str | None,
    text: str | None,
) -> Outcome:
    """Create (or find) the message's item and record the label given; the person is told,
    privately, in the message's channel."""
    if text is None:
        return Refusal("That message is no longer there.")
    project = project_by_id(session, project_id)
    if project is None:
        return Refusal("That project no longer exists.")
    message = SlackMessage(ref.channel, ref.ts, text, ref.author, ref.permalink)
    added = messages.add_and_label(session, services, project, message, user_id, choice)
    if isinstance(added, Refusal):
        return added
    effects: list[Effect] = [Ephemeral(ref.channel, user_id, render_notice(_summary(added)))]
    if added.answer is not None and added.answer.reviews:
        effects.append(PublishReviews(project_id))
    return effects


def _summary(added: Added) -> str:
    state = "Added" if added.created else "Already in the queue"
    detail = ""
    if added.answer is not None and added.answer.status in (
        AnswerStatus.RECORDED,
        AnswerStatus.CHANGED,
    ):
        detail = " and your label is recorded"
    elif added.answer is not None:
        detail = f" ({added.answer.message})"
    return f"{state} as item {added.item.id}{detail}."
