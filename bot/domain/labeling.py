"""The labeling workflow: hand out the next item, record answers, undo, skip and stop.

Every function takes a session, changes only the database and returns a value describing what
happened; rendering and Slack calls are the caller's business. Each is idempotent against
repeated clicks: a second identical request returns `DUPLICATE` and changes nothing.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.completion import Outcome, refresh_item
from bot.domain.consensus import answer_key
from bot.domain.review_routing import drawn_for_qa, open_review
from bot.projects.spec import ProjectSpec, TaskKind
from bot.projects.sync import project_spec
from storage import answers, queue
from storage.db import is_sqlite
from storage.models import (
    Annotation,
    GuidelineAck,
    Item,
    ItemStatus,
    Lease,
    LeaseStatus,
    Project,
    Review,
    ReviewReason,
    utcnow,
)

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
    reviews: list[Review] = field(default_factory=list)
    gold_miss: bool = False


@dataclass(frozen=True)
class Assignment:
    item: Item
    lease: Lease


def day_start(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


_LATEST_ACK = (
    select(GuidelineAck.version)
    .where(
        GuidelineAck.project_id == bindparam("project_id"),
        GuidelineAck.user_id == bindparam("user_id"),
    )
    .order_by(GuidelineAck.acked_at.desc(), GuidelineAck.id.desc())
    .limit(1)
)


def _latest_ack(session: Session, project: Project, user_id: str) -> str | None:
    """The last guideline version the person acknowledged, memoised for the transaction
    (recording an answer and choosing the next item both need it)."""
    memo: dict[tuple[int, str], str | None] = session.info.setdefault("latest_ack", {})
    key = (project.id, user_id)
    if key not in memo:
        params = {"project_id": project.id, "user_id": user_id}
        memo[key] = session.scalar(_LATEST_ACK, params)
    return memo[key]


def needs_guidelines(session: Session, project: Project, user_id: str) -> bool:
    """True until the person has acknowledged the guideline version in force (most recently:
    going back to an older version asks them to read it again)."""
    return _latest_ack(session, project, user_id) != project.guideline_version


def version_read_by(session: Session, project: Project, user_id: str) -> str:
    """The guideline version this person worked under: the last one they acknowledged.

    If the guidelines change while a card is open, the answer is recorded under the version
    its author actually read; people who never acknowledged (channel mode) get the current one.
    """
    return _latest_ack(session, project, user_id) or project.guideline_version


def acknowledge_guidelines(session: Session, project: Project, user_id: str, version: str) -> bool:
    """Record that a person read a guideline version; False if it is no longer in force."""
    if version != project.guideline_version:
        return False
    if needs_guidelines(session, project, user_id):
        session.info.pop("latest_ack", None)
        already = session.scalar(
            select(GuidelineAck.id).where(
                GuidelineAck.project_id == project.id,
                GuidelineAck.user_id == user_id,
                GuidelineAck.version == version,
            )
        )
        if already is not None:  # read before and back in force: this is the latest reading
            ack = session.get(GuidelineAck, already)
            assert ack is not None
            ack.acked_at = utcnow()
        else:
            try:
                with session.begin_nested():
                    session.add(
                        GuidelineAck(project_id=project.id, user_id=user_id, version=version)
                    )
            except IntegrityError:
                pass  # a concurrent duplicate click already stored it
        session.info.pop("latest_ack", None)
    return True


def assign_next(
    session: Session,
    project: Project,
    user_id: str,
    now: datetime,
    rng: random.Random,
    *,
    resume: bool = True,
) -> Assignment | None:
    """Resume the item the person holds, or lease the best next one (gold mixed in at its rate).

    `resume=False` skips looking for a held item, for a caller that has just seen the person's
    lease answered in this transaction (the click path, one query fewer per answer).
    """
    spec = project_spec(project)
    held = queue.active_lease_for(session, project.id, user_id) if resume else None
    if held is not None:
        item = session.get(Item, held.item_id)
        if item is not None and _still_answerable(session, item, user_id, now):
            held.expires_at = now + timedelta(minutes=spec.lease_minutes)
            return Assignment(item=item, lease=held)
        held.status = LeaseStatus.RELEASED
    # SQLite transactions hold the write lock from their start (storage.db), so only
    # PostgreSQL needs row locks to keep two processes from taking the same last slot.
    lock = not is_sqlite(session.get_bind().engine)
    return _lease_next(session, project, spec, user_id, now, rng, lock=lock)


def _lease_next(
    session: Session,
    project: Project,
    spec: ProjectSpec,
    user_id: str,
    now: datetime,
    rng: random.Random,
    *,
    lock: bool,
) -> Assignment | None:
    gold_first = spec.gold.rate > 0 and rng.random() < spec.gold.rate
    for gold in (gold_first, not gold_first):
        item = queue.next_item(
            session, project_id=project.id, annotator=user_id, now=now, gold=gold, lock=lock
        )
        if item is not None:
            lease = queue.create_lease(
                session,
                item_id=item.id,
                project_id=project.id,
                annotator=user_id,
                now=now,
                minutes=spec.lease_minutes,
            )
            return Assignment(item=item, lease=lease)
    return None


def _lease_still_good(session: Session, lease: Lease, item: Item, now: datetime) -> bool:
    """An unexpired lease holds its slot (assignment counted it); an expired one is honoured
    only while the item still has room beyond other people's live leases."""
    if _aware(lease.expires_at) > now:
        return item.answer_count < item.required_answers
    return _still_answerable(session, item, lease.annotator, now)


def _still_answerable(session: Session, item: Item, user_id: str, now: datetime) -> bool:
    if item.status is not ItemStatus.OPEN:
        return False
    held_by_others = queue.others_holding_count(session, item.id, user_id, now)
    return item.answer_count + held_by_others < item.required_answers


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


def answer_leased_item(
    session: Session,
    project: Project,
    user_id: str,
    *,
    lease_id: int,
    value: Any,
    unsure: Unsure | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> AnswerResult:
    """Record the answer to an item handed out in the DM queue.

    Only the person holding the lease may answer; a repeated click (retry, double click, old
    card) finds the lease already answered and returns DUPLICATE or STALE without a change.
    """
    found = queue.lease_with_locked_item(session, lease_id)
    if found is None or found[2].id != project.id:
        return AnswerResult(AnswerStatus.NOT_YOURS, "That card isn't yours.")
    return _answer_locked(session, project, user_id, found[0], found[1], value, unsure, now, rng)


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
) -> CardAnswer:
    """`answer_leased_item` for a card that names its project by id: the lease, its item and
    the project are read in one round trip (this runs on every click)."""
    found = queue.lease_with_locked_item(session, lease_id)
    if found is None or found[2].id != project_id:
        project = session.get(Project, project_id)
        return CardAnswer(project, AnswerResult(AnswerStatus.NOT_YOURS, "That card isn't yours."))
    lease, item, project = found
    result = _answer_locked(session, project, user_id, lease, item, value, unsure, now, rng)
    return CardAnswer(project, result)


def _answer_locked(
    session: Session,
    project: Project,
    user_id: str,
    lease: Lease,
    item: Item,
    value: Any,
    unsure: Unsure | None,
    now: datetime | None,
    rng: random.Random | None,
) -> AnswerResult:
    """The answer to a leased item whose row this transaction has locked."""
    now = now or utcnow()
    if lease.annotator != user_id:
        return AnswerResult(AnswerStatus.NOT_YOURS, "That card isn't yours.")
    if lease.status is LeaseStatus.ANSWERED:
        return AnswerResult(AnswerStatus.DUPLICATE, "Already recorded.", item=item)
    if lease.status is not LeaseStatus.ACTIVE:
        return AnswerResult(AnswerStatus.STALE, "This item was returned to the queue.", item=item)
    if item.status is not ItemStatus.OPEN or not _lease_still_good(session, lease, item, now):
        lease.status = LeaseStatus.RELEASED
        return AnswerResult(
            AnswerStatus.STALE, "This item got its answers from others meanwhile.", item=item
        )
    spec = project_spec(project)
    try:
        clean = None if unsure is not None else validate_value(spec, value)
    except ValueError as exc:
        return AnswerResult(AnswerStatus.INVALID, str(exc).capitalize() + ".", item=item)
    seconds = max(0.0, (now - _aware(lease.shown_at)).total_seconds())
    result = _record(session, project, spec, item, user_id, clean, unsure, seconds, now, rng)
    if result.status is AnswerStatus.RECORDED:
        lease.status = LeaseStatus.ANSWERED
    return result


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
) -> AnswerResult:
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
    )
    if not answers.add_current_answer(session, annotation):
        return AnswerResult(AnswerStatus.DUPLICATE, "Already recorded.", item=item)
    outcome = refresh_item(session, item, spec)
    reviews = _route(session, spec, item, annotation, outcome, rng or random.Random())
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
        reviews=reviews,
        gold_miss=gold_miss,
    )


def _route(
    session: Session,
    spec: ProjectSpec,
    item: Item,
    annotation: Annotation,
    outcome: Outcome,
    rng: random.Random,
) -> list[Review]:
    """Send the item to review when the answer is unsure, disputed, or drawn for QA."""
    reason: ReviewReason | None = None
    if annotation.unsure:
        reason = ReviewReason.UNSURE
    elif outcome.needs_review:
        reason = ReviewReason.DISAGREEMENT
    elif outcome.completed_now and drawn_for_qa(spec.review.qa_sample_rate, rng):
        reason = ReviewReason.QA_SAMPLE
    if reason is None:
        return []
    review = open_review(session, item, reason, requested_by=annotation.annotator)
    return [review] if review is not None else []


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
    if item.status is not ItemStatus.OPEN or not _still_answerable(session, item, user_id, now):
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
    queue.release_active_leases(session, project_id=project.id, annotator=user_id)
    lease = queue.create_lease(
        session,
        item_id=item.id,
        project_id=project.id,
        annotator=user_id,
        now=now,
        minutes=spec.lease_minutes,
    )
    return Assignment(item=item, lease=lease)


def skip_item(session: Session, project: Project, user_id: str, *, lease_id: int) -> bool:
    """The person passes on an item: it returns to the queue for others, never to them."""
    lease = queue.lease_by_id(session, lease_id)
    if lease is None or lease.annotator != user_id or lease.project_id != project.id:
        return False
    if lease.status is LeaseStatus.ACTIVE:
        lease.status = LeaseStatus.SKIPPED
    return True


def stop_labeling(session: Session, project: Project, user_id: str) -> int:
    """End a session: every held item goes back to the queue."""
    return queue.release_active_leases(session, project_id=project.id, annotator=user_id)
