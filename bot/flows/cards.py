"""What each click on a labeling card, and each `/label` command about cards, asks Slack to do.

The decisions live in `bot.flows.labeling` (answers, the next card) and `bot.flows.live_card`
(which card is live); these functions turn them into effects for the executor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.labeling import AnswerStatus, Unsure
from bot.flows import card_modals
from bot.flows import labeling as flow
from bot.flows.effects import (
    Effect,
    MakeLive,
    OpenModal,
    Outcome,
    PostCard,
    PublishReviews,
    Refusal,
    Reply,
    notice,
    reply,
)
from bot.flows.live_card import guard_card
from bot.flows.project_choice import Pick, choose_project
from bot.runtime.services import Services
from bot.views.message import Message
from bot.views.modals import render_free_text_modal, render_full_text_modal, render_unsure_modal
from bot.views.pickers import Purpose, render_project_picker
from bot.views.state import CardState, Clicked
from storage.projects import project_by_id

BAD_CARD = "That button's data was not understood; use `/label next` for a fresh card."
GONE = "That project no longer exists."

Step = Callable[[Session, Services, str, CardState], Message]
CardStep = Callable[[Session, Services, str, CardState, Clicked | None], Outcome]
CardModal = Callable[[Session, CardState], Outcome]


def answer(
    session: Session,
    services: Services,
    user_id: str,
    state: CardState,
    value: Any,
    *,
    unsure: Unsure | None = None,
    clicked: Clicked | None = None,
) -> Outcome:
    """Record an answer and turn the card into the next item (the same card, or, from a
    modal, the card it was opened from). A double click changes nothing and says nothing."""
    answered = flow.answer_and_prepare(
        session, services, user_id, state, value, unsure, card=clicked
    )
    result = answered.result
    if result.status in (AnswerStatus.NOT_YOURS, AnswerStatus.INVALID):
        return Refusal(result.message or "That answer isn't valid for this project.")
    effects: list[Effect] = []
    if answered.notice is not None:
        effects.append(Reply(answered.notice))
    if result.status is AnswerStatus.DUPLICATE:
        return effects
    if answered.card is not None:
        effects.append(Reply(answered.card, replace=True, url=state.response_url))
    if result.reviews:
        effects.append(PublishReviews(state.project_id))
    return effects


def card_step(step: Step) -> CardStep:
    """Undo, Skip, Stop or the guidelines' acknowledgement: the card turns into what `step`
    renders, unless the click came from a card that is no longer the live one."""

    def run(
        session: Session,
        services: Services,
        user_id: str,
        state: CardState,
        clicked: Clicked | None,
    ) -> Outcome:
        superseded = guard_card(session, user_id, state, clicked)
        if superseded is not None:
            return [Reply(superseded.notice), Reply(superseded.card, replace=True)]
        return reply(step(session, services, user_id, state), replace=True)

    return run


def start(
    session: Session, services: Services, user_id: str, project_id: int, clicked: Clicked | None
) -> Outcome:
    """Start labeling (App Home, a picker, a stopped card): a fresh card, which replaces the
    clicked DM message or is posted in the DM, and becomes the person's one live card."""
    project = project_by_id(session, project_id)
    if project is None:
        return Refusal(GONE)
    card = flow.next_card(session, services, project, user_id, CardState(project_id=project.id))
    if clicked is None:
        return [PostCard(user_id, project.id, card)]
    return [
        Reply(card, replace=True),
        MakeLive(user_id, project.id, clicked.channel, clicked.ts),
    ]


def next_in_dm(session: Session, services: Services, user_id: str, slug: str | None) -> Outcome:
    """`/label next [project]`: the card goes to the person's DM; a picker when several
    projects are theirs."""
    return _for_chosen_project(
        session,
        services,
        user_id,
        slug,
        "next",
        lambda project: [
            PostCard(
                user_id,
                project.id,
                flow.next_card(
                    session, services, project, user_id, CardState(project_id=project.id)
                ),
            ),
            *notice(f"Your {project.title} card is in your DM with me."),
        ],
    )


def guidelines(session: Session, services: Services, user_id: str, slug: str | None) -> Outcome:
    """`/label guidelines [project]`."""
    return _for_chosen_project(
        session,
        services,
        user_id,
        slug,
        "guidelines",
        lambda project: reply(flow.guidelines_message(session, project)),
    )


def picked_guidelines(session: Session, project_id: int) -> Outcome:
    """A picker's Guidelines button: the picker turns into the project's guidelines."""
    project = project_by_id(session, project_id)
    if project is None:
        return Refusal(GONE)
    return reply(flow.guidelines_message(session, project), replace=True)


def _for_chosen_project(
    session: Session,
    services: Services,
    user_id: str,
    slug: str | None,
    purpose: Purpose,
    then: Callable[[Any], Outcome],
) -> Outcome:
    project = choose_project(session, services, user_id, slug)
    if isinstance(project, Refusal):
        return project
    if isinstance(project, Pick):
        return reply(render_project_picker(project.projects, purpose=purpose))
    return then(project)


def unsure_modal(session: Session, state: CardState) -> Outcome:
    return [OpenModal(render_unsure_modal(state))]


def free_text_modal(session: Session, state: CardState) -> Outcome:
    return [
        OpenModal(render_free_text_modal(*card_modals.free_text_context(session, state), state))
    ]


def full_text_modal(session: Session, state: CardState) -> Outcome:
    return [OpenModal(render_full_text_modal(*card_modals.full_text_context(session, state)))]
