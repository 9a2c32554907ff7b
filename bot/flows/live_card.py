"""One live labeling card per person and project.

A new card (`/label next`, Start labeling) becomes the live one, and the card it replaces is
turned into a "continued below" note without buttons. A click on any card that is not the
live one records nothing and gets a short private answer saying what is recorded, instead of
silence; a double click on the live card stays silent, as Slack users expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.consensus import answer_key
from bot.projects.sync import project_spec
from bot.views.choices import choice_label
from bot.views.labeling_card import render_superseded_card
from bot.views.message import Message, render_notice
from bot.views.state import CardState, Clicked
from storage import leases, live_cards, queue
from storage.models import LeaseStatus, Project
from storage.projects import project_by_id


@dataclass(frozen=True)
class Superseded:
    """What to do with a click on an old card: a private answer, and the old card's new face."""

    notice: Message
    card: Message


def check_card(
    session: Session, project: Project, user_id: str, state: CardState, card: Clicked | None
) -> Superseded | None:
    """None when the click comes from the live card, or from no DM card we know of (no card
    recorded, or a message in another conversation: cards live in the person's DM)."""
    if card is None or not _superseded(session, project.id, user_id, card):
        return None
    return Superseded(
        notice=render_notice(recorded_note(session, project, user_id, state)),
        card=render_superseded_card(project.title),
    )


def _superseded(session: Session, project_id: int, user_id: str, card: Clicked) -> bool:
    live = live_cards.live_card(session, project_id, user_id)
    return live is not None and live[0] == card.channel and live[1] != card.ts


def guard_card(
    session: Session, user_id: str, state: CardState, card: Clicked | None
) -> Superseded | None:
    """Refuse a click on a card that is no longer the live one (one indexed look-up per click;
    the project is read only for the refusal)."""
    if card is None or not _superseded(session, state.project_id, user_id, card):
        return None
    project = project_by_id(session, state.project_id)
    return check_card(session, project, user_id, state, card) if project else None


def recorded_note(session: Session, project: Project, user_id: str, state: CardState) -> str:
    """What this card's item holds from the person, said plainly."""
    lease = leases.lease_by_id(session, state.lease_id) if state.lease_id else None
    if lease is not None and lease.annotator == user_id and lease.status is LeaseStatus.ANSWERED:
        answer = queue.current_annotation(session, lease.item_id, user_id)
        if answer is not None:
            shown = "Unsure" if answer.unsure else choice_label(project_spec(project), answer.value)
            return f"Already recorded as {shown}. Your current card is below."
    return "This card was replaced by a newer one below; nothing was recorded from it."


def already_recorded(
    session: Session, project: Project, user_id: str, item_id: int, value: Any
) -> Message | None:
    """For a click on an item the person has answered: None when it repeats the recorded
    answer (a double click), else a private note saying what is recorded."""
    answer = queue.current_annotation(session, item_id, user_id)
    if answer is None or (not answer.unsure and answer_key(answer.value) == answer_key(value)):
        return None
    spec = project_spec(project)
    shown = "Unsure" if answer.unsure else choice_label(spec, answer.value)
    return render_notice(f"Already recorded as {shown}; use Undo on your card to change it.")
