"""The DM labeling loop: pick a project, show guidelines or the next card, take answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import guideline_acks, labeling
from bot.domain.access import may_annotate
from bot.domain.assignment import assign_next
from bot.domain.labeling import AnswerResult, AnswerStatus, Unsure
from bot.domain.quarantine import QUARANTINED, is_quarantined
from bot.domain.suggestions import card_suggestion
from bot.flows.live_card import already_recorded, guard_card
from bot.flows.project_choice import NOT_ALLOWED
from bot.projects.spec import ProjectSpec
from bot.projects.sync import current_guidelines, project_spec
from bot.runtime.services import Services
from bot.views.choices import choice_label
from bot.views.labeling_card import (
    Previous,
    render_done_card,
    render_guidelines_card,
    render_item_card,
    render_stopped_card,
)
from bot.views.message import Message, render_notice
from bot.views.pickers import render_guidelines
from bot.views.state import CardState, Clicked
from storage import queue
from storage.click_reads import lease_with_locked_item
from storage.models import GuidelineAck, Item, ItemStatus, Project
from storage.projects import project_by_id

PAUSED = "{title} is paused by its leads; no items are handed out right now."


def today_count(session: Session, services: Services, project: Project, user_id: str) -> int:
    zone = project_spec(project).digest.timezone
    since = labeling.today_start(services.clock(), zone)
    return queue.answers_since(session, project_id=project.id, annotator=user_id, since=since)


StepKind = Literal["not_allowed", "paused", "quarantined", "guidelines", "item", "done"]


@dataclass(frozen=True)
class NextStep:
    """What the person's card shows next, decided (and the item leased) before rendering."""

    kind: StepKind
    item: Item | None = None
    lease_id: int | None = None


def prepare_next(
    session: Session, services: Services, project: Project, user_id: str, *, resume: bool = True
) -> NextStep:
    """Decide the card's next face and lease the next item: the only writing step."""
    spec = project_spec(project)
    if not may_annotate(spec, user_id, services.directory):
        return NextStep("not_allowed")
    if project.paused:
        return NextStep("paused")
    if is_quarantined(session, project, spec, user_id):
        return NextStep("quarantined")
    if guideline_acks.needs_guidelines(session, project, user_id):
        return NextStep("guidelines")
    assignment = assign_next(
        session, project, user_id, services.clock(), services.rng, resume=resume
    )
    if assignment is None:
        return NextStep("done")
    return NextStep("item", assignment.item, assignment.lease.id)


def render_next(
    session: Session,
    services: Services,
    project: Project,
    user_id: str,
    state: CardState,
    step: NextStep,
    *,
    previous: Previous | None = None,
    notice: str | None = None,
) -> Message:
    """Render a prepared step (the step has already leased the item; this only reads)."""
    state = state.model_copy(update={"suggested": None})  # the item card sets it anew
    if step.kind == "not_allowed":
        return render_notice(NOT_ALLOWED.format(title=project.title))
    if step.kind == "paused":
        return render_notice(PAUSED.format(title=project.title))
    if step.kind == "quarantined":
        return render_notice(QUARANTINED.format(title=project.title))
    if step.kind == "guidelines":
        return _guidelines_card(session, project, user_id, state)
    today = today_count(session, services, project, user_id)
    item = step.item
    if item is None:
        return render_done_card(
            title=project.title,
            session_count=state.session_count,
            today=today,
            previous=previous,
            state=state,
        )
    return item_card(
        session,
        services,
        project,
        project_spec(project),
        item,
        state.model_copy(update={"lease_id": step.lease_id}),
        today=today,
        previous=previous,
        notice=notice,
    )


def next_card(
    session: Session,
    services: Services,
    project: Project,
    user_id: str,
    state: CardState,
    *,
    previous: Previous | None = None,
    notice: str | None = None,
    resume: bool = True,
) -> Message:
    """Guidelines if unread, else the next item (leased to this person), else the done card."""
    step = prepare_next(session, services, project, user_id, resume=resume)
    return render_next(
        session, services, project, user_id, state, step, previous=previous, notice=notice
    )


def item_card(
    session: Session,
    services: Services,
    project: Project,
    spec: ProjectSpec,
    item: Item,
    state: CardState,
    *,
    today: int,
    previous: Previous | None = None,
    notice: str | None = None,
) -> Message:
    remaining: int = services.counts.get_or_compute(
        ("open_items", project.id), lambda: queue.open_items(session, project.id)
    )
    suggestion = card_suggestion(spec, item)
    return render_item_card(
        title=project.title,
        spec=spec,
        data=item.data,
        state=state.model_copy(update={"suggested": True if suggestion else None}),
        remaining=remaining,
        today=today,
        previous=previous,
        notice=notice,
        suggestion=suggestion,
    )


def _guidelines_card(session: Session, project: Project, user_id: str, state: CardState) -> Message:
    guidelines = current_guidelines(session, project)
    read_before = session.scalar(
        select(GuidelineAck.id).where(
            GuidelineAck.project_id == project.id, GuidelineAck.user_id == user_id
        )
    )
    return render_guidelines_card(
        title=project.title,
        guidelines=guidelines.content,
        version=guidelines.version,
        url=project_spec(project).guidelines.url,
        state=state,
        changed=read_before is not None,
    )


def record_answer(
    session: Session,
    services: Services,
    user_id: str,
    state: CardState,
    value: Any,
    unsure: Unsure | None = None,
) -> labeling.CardAnswer:
    """Store a DM answer (before the ack). The card's lease proves who may answer."""
    if state.lease_id is None:
        stale = AnswerResult(AnswerStatus.STALE, "That card is out of date.")
        return labeling.CardAnswer(project_by_id(session, state.project_id), stale)
    return labeling.answer_card(
        session,
        user_id,
        project_id=state.project_id,
        lease_id=state.lease_id,
        value=value,
        unsure=unsure,
        now=services.clock(),
        rng=services.rng,
        suggestion_shown=state.suggested is True,
    )


@dataclass(frozen=True)
class Answered:
    """An answer stored and the card's next face prepared, in the transaction before the ack.

    The next item is leased and the card rendered while the transaction is open, so after the
    ack only the Web API call remains (no second database round trip per click). `notice` is
    a private note for the person (a click on an old card, or a second, different choice).
    """

    result: AnswerResult
    card: Message | None
    notice: Message | None = None


def answer_and_prepare(
    session: Session,
    services: Services,
    user_id: str,
    state: CardState,
    value: Any,
    unsure: Unsure | None = None,
    card: Clicked | None = None,
) -> Answered:
    """Record the answer, lease the next item and render the next card in one transaction.

    A click on a card that is no longer the live one records nothing (see `live_card`).
    """
    if state.lease_id is not None:
        # One round trip for what the guard and the answer read next (`storage.click_reads`).
        lease_with_locked_item(session, state.lease_id)
    superseded = guard_card(session, user_id, state, card)
    if superseded is not None:
        stale = AnswerResult(AnswerStatus.STALE, "That card was replaced.")
        return Answered(stale, superseded.card, superseded.notice)
    project, result = record_answer(session, services, user_id, state, value, unsure)
    if project is None:
        stale = AnswerResult(AnswerStatus.STALE, "That card is out of date.")
        return Answered(stale, render_notice("That project no longer exists."))
    if result.status is AnswerStatus.DUPLICATE and result.item is not None:
        note = already_recorded(session, project, user_id, result.item.id, value)
        return Answered(result, None, note)  # a double click stays silent (note is None)
    if result.status is AnswerStatus.NOT_YOURS:
        return Answered(result, None)
    return Answered(result, card_after_answer(session, services, project, user_id, state, result))


def card_after_answer(
    session: Session,
    services: Services,
    project: Project,
    user_id: str,
    state: CardState,
    result: AnswerResult,
) -> Message:
    """The card's next face: the next item with the answer just given (and Undo) on top."""
    if result.status is AnswerStatus.INVALID:
        return render_notice(result.message or "That answer isn't valid for this project.")
    recorded = result.status is AnswerStatus.RECORDED and result.annotation is not None
    if recorded and result.item is not None and result.item.status is not ItemStatus.OPEN:
        services.counts.adjust(("open_items", project.id), -1)  # "N left" counts this answer
    previous = _previous(project_spec(project), result) if recorded else None
    count = state.session_count + (1 if recorded else 0)
    notice = result.message if result.status is AnswerStatus.STALE else None
    new_state = state.model_copy(update={"session_count": count, "lease_id": None})
    return next_card(
        session,
        services,
        project,
        user_id,
        new_state,
        previous=previous,
        notice=notice,
        resume=not recorded,  # the lease just answered was the one the person held
    )


def _previous(spec: ProjectSpec, result: AnswerResult) -> Previous:
    annotation, item = result.annotation, result.item
    assert annotation is not None and item is not None
    label = "Unsure" if annotation.unsure else choice_label(spec, annotation.value)
    if result.gold_miss and spec.gold.feedback:
        return Previous(
            annotation.id,
            label,
            gold_expected=choice_label(spec, item.gold_answer),
            gold_note=item.gold_note,
        )
    return Previous(annotation.id, label)


def undo(session: Session, services: Services, user_id: str, state: CardState) -> Message:
    project = project_by_id(session, state.project_id)
    if project is None or state.annotation_id is None:
        return render_notice("That card is out of date.")
    assignment = labeling.undo_answer(
        session, project, user_id, annotation_id=state.annotation_id, now=services.clock()
    )
    if assignment is None:
        return next_card(
            session,
            services,
            project,
            user_id,
            state.model_copy(update={"annotation_id": None}),
            notice="That answer can no longer be undone.",
        )
    spec = project_spec(project)
    new_state = state.model_copy(
        update={
            "lease_id": assignment.lease.id,
            "annotation_id": None,
            "session_count": max(0, state.session_count - 1),
        }
    )
    return item_card(
        session,
        services,
        project,
        spec,
        assignment.item,
        new_state,
        today=today_count(session, services, project, user_id),
        notice="Answer withdrawn: answer this item again.",
    )


def skip(session: Session, services: Services, user_id: str, state: CardState) -> Message:
    project = project_by_id(session, state.project_id)
    if project is None or state.lease_id is None:
        return render_notice("That card is out of date.")
    labeling.skip_item(session, project, user_id, lease_id=state.lease_id)
    return next_card(
        session, services, project, user_id, state.model_copy(update={"lease_id": None})
    )


def stop(session: Session, services: Services, user_id: str, state: CardState) -> Message:
    project = project_by_id(session, state.project_id)
    if project is None:
        return render_notice("That card is out of date.")
    labeling.stop_labeling(session, project, user_id)
    return render_stopped_card(
        title=project.title,
        session_count=state.session_count,
        today=today_count(session, services, project, user_id),
        state=state,
    )


def acknowledge(session: Session, services: Services, user_id: str, state: CardState) -> Message:
    project = project_by_id(session, state.project_id)
    if project is None or state.version is None:
        return render_notice("That card is out of date.")
    fresh = guideline_acks.acknowledge_guidelines(session, project, user_id, state.version)
    notice = None if fresh else "The guidelines changed again; please read the new version."
    return next_card(
        session,
        services,
        project,
        user_id,
        state.model_copy(update={"version": None}),
        notice=notice,
    )


def guidelines_message(session: Session, project: Project) -> Message:
    guidelines = current_guidelines(session, project)
    return render_guidelines(
        project.title, guidelines.content, guidelines.version, project_spec(project).guidelines.url
    )
