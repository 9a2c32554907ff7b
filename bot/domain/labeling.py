"""The labeling workflow: record answers (DM cards and channel posts), undo, skip and stop.

Every function takes a session, changes only the database and returns a value describing what
happened; rendering and Slack calls are the caller's business. Each is idempotent against
repeated clicks: a second identical request returns `DUPLICATE` and changes nothing.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.assignment import Assignment, lease_item
from bot.domain.completion import Outcome, refresh_item
from bot.domain.consensus import answer_key
from bot.domain.guideline_acks import version_read_by
from bot.domain.review_routing import drawn_for_qa, open_review
from bot.projects.spec import ProjectSpec, TaskKind
from bot.projects.sync import project_spec
from storage import answers, leases, queue, reviews
from storage.click_reads import lease_with_locked_item
from storage.item_writes import set_lease_status
from storage.models import (
    Annotation,
    Item,
    ItemStatus,
    Lease,
    LeaseStatus,
    Project,
    ReviewReason,
    utcnow,
)
from storage.projects import project_by_id

UNSURE_REASONS = {
    "ambiguous": "Ambiguous",
    "guideline_gap": "Guidelines don't cover it",
    "broken_item": "Bad or broken item",
    "needs_context": "Needs more context",
}


class AnswerStatus(enum.StrEnum):
    RECORDED = "recorded"
    CHANGED = "changed"
    DUPLICATE = "duplicate"
    STALE = "stale"
    NOT_YOURS = "not_yours"
    FULL = "full"
    INVALID = "invalid"


@dataclass(frozen=True)
class AnswerResult:
    status: AnswerStatus
    message: str = ""
    annotation: Annotation | None = None
    item: Item | None = None
    outcome: Outcome | None = None
    reviews: list[int] = field(default_factory=list)  # open reviews whose post is due
    gold_miss: bool = False


def today_start(now: datetime, zone: str) -> datetime:
    """The start of `now`'s calendar day in time zone `zone` ("you today" on the card)."""
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _lease_still_good(session: Session, lease: Lease, item: Item, now: datetime) -> bool:
    """An unexpired lease holds its slot (assignment counted it); an expired one is honoured
    only while the item still has room beyond other people's live leases."""
    if _aware(lease.expires_at) > now:
        return item.answer_count < item.required_answers
    return queue.has_room(session, item, lease.annotator, now)


def validate_value(spec: ProjectSpec, value: Any) -> Any:
    """Normalise an answer for the project's task, or raise ValueError saying what is wrong."""
    task = spec.task
    if task.kind is TaskKind.FREE_TEXT:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("the answer is empty")
        if len(value) > task.max_text_length:
            raise ValueError(f"the answer is longer than {task.max_text_length} characters")
        return value.strip()
    allowed = task.choice_values
    if task.kind is TaskKind.MULTI_CHOICE:
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v in allowed for v in values):
            raise ValueError("unknown label")
        if len(values) < task.min_choices:
            raise ValueError(f"choose at least {task.min_choices}")
        if task.max_choices is not None and len(values) > task.max_choices:
            raise ValueError(f"choose at most {task.max_choices}")
        return sorted(set(values), key=allowed.index)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError("unknown label")
    return value


@dataclass(frozen=True)
class Unsure:
    reason: str
    note: str | None = None


class CardAnswer(NamedTuple):
    """The card's project (None if it no longer exists) and what became of the answer."""

    project: Project | None
    result: AnswerResult


def answer_card(
    session: Session,
    user_id: str,
    *,
    project_id: int,
    lease_id: int,
    value: Any,
    unsure: Unsure | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
    suggestion_shown: bool = False,
) -> CardAnswer:
    """Record the answer to an item handed out in the DM queue, with the card's project;
    `suggestion_shown`: the card showed the model's suggestion (`bot.domain.suggestions`).

    Only the person holding the lease may answer; a repeated click (retry, double click, old
    card) finds the lease already answered and returns DUPLICATE or STALE without a change. The
    lease, its item (row-locked: answers to one item queue up) and the project are read in one
    round trip, as this runs on every click.
    """
    found = lease_with_locked_item(session, lease_id)
    if found is None or found[2].id != project_id:
        project = project_by_id(session, project_id)
        return CardAnswer(project, AnswerResult(AnswerStatus.NOT_YOURS, "That card isn't yours."))
    lease, item, project = found
    result = _answer_lease(
        session, project, user_id, lease, item, value, unsure, now, rng, suggestion_shown
    )
    return CardAnswer(project, result)


def _answer_lease(
    session: Session,
    project: Project,
    user_id: str,
    lease: Lease,
    item: Item,
    value: Any,
    unsure: Unsure | None,
    now: datetime | None,
    rng: random.Random | None,
    suggestion_shown: bool,
) -> AnswerResult:
    """Who may answer and whether the item still takes it, then the answer itself."""
    now = now or utcnow()
    if lease.annotator != user_id:
        return AnswerResult(AnswerStatus.NOT_YOURS, "That card isn't yours.")
    if lease.status is LeaseStatus.ANSWERED:
        return AnswerResult(AnswerStatus.DUPLICATE, "Already recorded.", item=item)
    if lease.status is not LeaseStatus.ACTIVE:
        return AnswerResult(AnswerStatus.STALE, "This item was returned to the queue.", item=item)
    if item.status is not ItemStatus.OPEN or not _lease_still_good(session, lease, item, now):
        set_lease_status(session, lease, LeaseStatus.RELEASED)
        return AnswerResult(
            AnswerStatus.STALE, "This item got its answers from others meanwhile.", item=item
        )
    spec = project_spec(project)
    try:
        clean = None if unsure is not None else validate_value(spec, value)
    except ValueError as exc:
        return AnswerResult(AnswerStatus.INVALID, str(exc).capitalize() + ".", item=item)
    seconds = max(0.0, (now - _aware(lease.shown_at)).total_seconds())
    # The lease is done whether this answer is stored or the person turns out to have answered
    # the item already (DUPLICATE, say in channel mode): otherwise the next pick would resume
    # it and hand them the same item again.
    set_lease_status(session, lease, LeaseStatus.ANSWERED)
    return _record(
        session, project, spec, item, user_id, clean, unsure, seconds, now, rng, suggestion_shown
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo("UTC"))


def _record(
    session: Session,
    project: Project,
    spec: ProjectSpec,
    item: Item,
    user_id: str,
    value: Any,
    unsure: Unsure | None,
    seconds: float | None,
    now: datetime,
    rng: random.Random | None,
    suggestion_shown: bool = False,
) -> AnswerResult:
    """Store the answer (channel answers never had a suggestion) and settle the item."""
    annotation = Annotation(
        item_id=item.id,
        project_id=project.id,
        annotator=user_id,
        value=value,
        unsure=unsure is not None,
        unsure_reason=unsure.reason if unsure else None,
        unsure_note=unsure.note if unsure else None,
        guideline_version=version_read_by(session, project, user_id),
        seconds=seconds,
        created_at=now,
        suggestion_shown=suggestion_shown,
    )
    if not answers.add_current_answer(session, annotation):
        return AnswerResult(AnswerStatus.DUPLICATE, "Already recorded.", item=item)
    outcome = refresh_item(session, item, spec)
    due_posts = _route(session, spec, item, annotation, outcome, rng or random.Random())
    gold_miss = (
        item.is_gold
        and unsure is None
        and item.gold_answer is not None
        and answer_key(value) != answer_key(item.gold_answer)
    )
    return AnswerResult(
        AnswerStatus.RECORDED,
        annotation=annotation,
        item=item,
        outcome=outcome,
        reviews=due_posts,
        gold_miss=gold_miss,
    )


def _route(
    session: Session,
    spec: ProjectSpec,
    item: Item,
    annotation: Annotation,
    outcome: Outcome,
    rng: random.Random,
) -> list[int]:
    """Send the item to review when the answer is unsure or it is drawn for QA (a dispute was
    routed by `refresh_item`), and flag an open review's post for an update: the lead always
    sees every answer. Returns the open review's id when its post needs making or updating."""
    if annotation.unsure:
        open_review(session, item, ReviewReason.UNSURE, requested_by=annotation.annotator)
    elif outcome.completed_now and drawn_for_qa(spec.review.qa_sample_rate, rng):
        open_review(session, item, ReviewReason.QA_SAMPLE, requested_by=annotation.annotator)
    touched = reviews.mark_post_stale(session, item.id)
    return [] if touched is None else [touched]


def answer_in_channel(
    session: Session,
    project: Project,
    user_id: str,
    *,
    item_id: int,
    value: Any,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> AnswerResult:
    """Channel mode: anyone allowed may answer; the same person clicking again changes it."""
    now = now or utcnow()
    spec = project_spec(project)
    item = queue.lock_item(session, item_id)  # answers to one item queue up
    if item is None or item.project_id != project.id:
        return AnswerResult(AnswerStatus.STALE, "That item no longer exists.")
    try:
        clean = validate_value(spec, value)
    except ValueError as exc:
        return AnswerResult(AnswerStatus.INVALID, str(exc).capitalize() + ".", item=item)
    previous = queue.current_annotation(session, item.id, user_id)
    if previous is not None:
        if answer_key(previous.value) == answer_key(clean) and not previous.unsure:
            return AnswerResult(AnswerStatus.DUPLICATE, "Already recorded.", item=item)
        if item.status is not ItemStatus.OPEN:
            return AnswerResult(AnswerStatus.FULL, "This item is already settled.", item=item)
        previous.superseded_at = now
        session.flush()
        result = _record(session, project, spec, item, user_id, clean, None, None, now, rng)
        return AnswerResult(
            AnswerStatus.CHANGED if result.status is AnswerStatus.RECORDED else result.status,
            "Answer changed.",
            annotation=result.annotation,
            item=item,
            outcome=result.outcome,
            reviews=result.reviews,
        )
    if not queue.has_room(session, item, user_id, now):
        return AnswerResult(AnswerStatus.FULL, "This item already has its answers.", item=item)
    return _record(session, project, spec, item, user_id, clean, None, None, now, rng)


def undo_answer(
    session: Session, project: Project, user_id: str, *, annotation_id: int, now: datetime | None
) -> Assignment | None:
    """Withdraw the person's answer and hand the same item back to them, unless a lead decided.

    Undoing twice (double click) finds the answer already withdrawn and returns None.
    """
    now = now or utcnow()
    annotation = session.get(Annotation, annotation_id)
    if (
        annotation is None
        or annotation.annotator != user_id
        or annotation.project_id != project.id
        or annotation.superseded_at is not None
    ):
        return None
    item = session.get(Item, annotation.item_id)
    assert item is not None
    if item.final_method is not None and item.final_method.value == "adjudicated":
        return None
    annotation.superseded_at = now
    session.flush()
    spec = project_spec(project)
    refresh_item(session, item, spec)
    leases.release_active_leases(session, project_id=project.id, annotator=user_id)
    return lease_item(session, project, spec, item, user_id, now)


def skip_item(session: Session, project: Project, user_id: str, *, lease_id: int) -> bool:
    """The person passes on an item: it returns to the queue for others, never to them."""
    lease = leases.lease_by_id(session, lease_id)
    if lease is None or lease.annotator != user_id or lease.project_id != project.id:
        return False
    if lease.status is LeaseStatus.ACTIVE:
        lease.status = LeaseStatus.SKIPPED
    return True


def stop_labeling(session: Session, project: Project, user_id: str) -> int:
    """End a session: every held item goes back to the queue."""
    return leases.release_active_leases(session, project_id=project.id, annotator=user_id)
