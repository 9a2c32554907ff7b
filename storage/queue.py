"""Queries behind assignment: which item a person gets next, leases, and per-person counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    Table,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, make_transient_to_detached

from storage.db import execute_core
from storage.models import Annotation, Item, ItemStatus, Lease, LeaseStatus

# The click path runs these on every answer; they are built once (with bound parameters) so
# a click does not pay for rebuilding the expressions and their cache keys each time.

_ACTIVE_LEASE_FOR = (
    select(Lease)
    .where(
        Lease.project_id == bindparam("project_id"),
        Lease.annotator == bindparam("annotator"),
        Lease.status == LeaseStatus.ACTIVE,
    )
    .order_by(Lease.id.desc())
    .limit(1)
)


def active_lease_for(session: Session, project_id: int, annotator: str) -> Lease | None:
    """The lease a person still holds in a project (their card was never answered)."""
    params = {"project_id": project_id, "annotator": annotator}
    return session.scalars(_ACTIVE_LEASE_FOR, params).first()


def _others_holding() -> ScalarSelect[int]:
    """Correlated count of other people's unexpired leases on the outer item."""
    return (
        select(func.count(Lease.id))
        .where(
            Lease.item_id == Item.id,
            Lease.status == LeaseStatus.ACTIVE,
            Lease.expires_at > bindparam("now"),
            Lease.annotator != bindparam("annotator"),
        )
        .scalar_subquery()
    )


def _new_to_annotator() -> list[ColumnElement[bool]]:
    """Open items of the project this person has never answered, skipped or been handed."""
    annotator = bindparam("annotator", type_=String())
    seen_before = exists().where(Annotation.item_id == Item.id, Annotation.annotator == annotator)
    handed_before = exists().where(
        Lease.item_id == Item.id,
        Lease.annotator == annotator,
        Lease.status.in_([LeaseStatus.ACTIVE, LeaseStatus.SKIPPED, LeaseStatus.ANSWERED]),
    )
    return [
        Item.project_id == bindparam("project_id"),
        Item.status == ItemStatus.OPEN,
        ~seen_before,
        ~handed_before,
    ]


def _has_room() -> ColumnElement[bool]:
    """Answers given plus other people's unexpired leases leave a slot."""
    return Item.answer_count + _others_holding() < Item.required_answers


def _next_item_query(gold: bool) -> Select[Item]:
    return (
        select(Item)
        .where(*_new_to_annotator(), Item.is_gold.is_(gold), _has_room())
        .order_by(
            Item.remaining_answers.asc(),
            Item.rank_priority.asc(),
            Item.confidence.asc(),
            Item.id.asc(),
        )
    )


_NEXT_ITEM = {gold: _next_item_query(gold).limit(1) for gold in (False, True)}


def next_item(
    session: Session,
    *,
    project_id: int,
    annotator: str,
    now: datetime,
    gold: bool,
    lock: bool,
) -> Item | None:
    """The best open item this person has never answered, skipped or been handed.

    Order: nearest completion, then priority, then model uncertainty (lowest prediction score),
    then import order. Other people's unexpired leases count against the overlap so concurrent
    annotators never overshoot it.

    With `lock` (PostgreSQL, READ COMMITTED) the pick itself locks the row (`FOR UPDATE SKIP
    LOCKED`: an item being taken by another transaction is passed over) and its room is
    re-counted in a fresh statement: the pick's snapshot may predate a lease another process has
    just committed, and everyone who leases or answers an item holds its row lock first. An item
    found full is passed over (it stays locked until commit, which only delays its answerers).
    """
    params = {"project_id": project_id, "annotator": annotator, "now": now}
    if not lock:
        return session.scalars(_NEXT_ITEM[gold], params).first()
    passed: list[int] = []
    for _ in range(LOCK_CANDIDATES):
        query = _NEXT_LOCKED[gold]
        if passed:
            query = query.where(Item.id.not_in(passed))
        item = session.scalars(query, params).first()
        if item is None or has_room(session, item, annotator, now):
            return item
        passed.append(item.id)
    return None


#: Items found full under their lock before a pick on PostgreSQL concludes none is free now.
LOCK_CANDIDATES = 20

_NEXT_LOCKED = {
    gold: _next_item_query(gold)
    .limit(1)
    .with_for_update(skip_locked=True, of=Item)
    .execution_options(populate_existing=True)
    for gold in (False, True)
}


_AVAILABILITY = select(
    func.count().filter(_has_room()),
    func.count().filter(Item.answer_count < Item.required_answers, ~_has_room()),
).where(*_new_to_annotator())


def availability(
    session: Session, *, project_id: int, annotator: str, now: datetime
) -> tuple[int, int]:
    """(items this person could be handed now, counting the one their open card holds; items
    new to them that other people's leases fill for the moment: they come back if those leases
    lapse unanswered)."""
    params = {"project_id": project_id, "annotator": annotator, "now": now}
    row = session.execute(_AVAILABILITY, params).one()
    holding = active_lease_for(session, project_id, annotator) is not None
    return int(row[0] or 0) + holding, int(row[1] or 0)


def lock_item(session: Session, item_id: int, *, skip_locked: bool = False) -> Item | None:
    """The item with its row locked for this transaction, freshly read (None if another
    transaction holds it and `skip_locked`)."""
    return session.get(
        Item,
        item_id,
        with_for_update={"skip_locked": skip_locked},
        populate_existing=True,
    )


def has_room(session: Session, item: Item, annotator: str, now: datetime) -> bool:
    """Re-checked under the item's row lock: still open with a free slot for this person."""
    return (
        item.status is ItemStatus.OPEN
        and item.answer_count + others_holding_count(session, item.id, annotator, now)
        < item.required_answers
    )


_LEASES = cast(Table, Lease.__table__)
_INSERT_LEASE = (
    insert(_LEASES)
    .values(
        item_id=bindparam("item_id"),
        project_id=bindparam("project_id"),
        annotator=bindparam("annotator", type_=String()),
        status=bindparam("active", type_=_LEASES.c.status.type),
        shown_at=bindparam("shown_at", type_=_LEASES.c.shown_at.type),
        expires_at=bindparam("expires_at", type_=_LEASES.c.expires_at.type),
    )
    .returning(_LEASES.c.id)
)


def create_lease(
    session: Session, *, item_id: int, project_id: int, annotator: str, now: datetime, minutes: int
) -> Lease:
    """Insert an active lease with one statement (`RETURNING` its id) and return it as a loaded
    object, without a flush (this runs on every click)."""
    lease = Lease(
        item_id=item_id,
        project_id=project_id,
        annotator=annotator,
        status=LeaseStatus.ACTIVE,
        shown_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    params = {
        "item_id": item_id,
        "project_id": project_id,
        "annotator": annotator,
        "active": LeaseStatus.ACTIVE,
        "shown_at": lease.shown_at,
        "expires_at": lease.expires_at,
    }
    lease.id = execute_core(session, _INSERT_LEASE, params).scalar_one()
    make_transient_to_detached(lease)
    session.add(lease)
    return lease


_OTHERS_HOLDING = select(func.count(Lease.id)).where(
    Lease.item_id == bindparam("item_id"),
    Lease.status == LeaseStatus.ACTIVE,
    Lease.expires_at > bindparam("now"),
    Lease.annotator != bindparam("annotator"),
)


def others_holding_count(session: Session, item_id: int, annotator: str, now: datetime) -> int:
    params = {"item_id": item_id, "annotator": annotator, "now": now}
    return session.scalar(_OTHERS_HOLDING, params) or 0


def release_active_leases(session: Session, *, project_id: int, annotator: str) -> int:
    """Return every item a person holds in a project to the queue (Stop, guideline change)."""
    result = session.execute(
        update(Lease)
        .where(
            Lease.project_id == project_id,
            Lease.annotator == annotator,
            Lease.status == LeaseStatus.ACTIVE,
        )
        .values(status=LeaseStatus.RELEASED)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def current_annotation(session: Session, item_id: int, annotator: str) -> Annotation | None:
    return session.scalars(
        select(Annotation).where(
            Annotation.item_id == item_id,
            Annotation.annotator == annotator,
            Annotation.superseded_at.is_(None),
        )
    ).first()


_ANSWERS = Annotation.__table__
_ANSWERS_SINCE = select(func.count(_ANSWERS.c.id)).where(
    _ANSWERS.c.project_id == bindparam("project_id"),
    _ANSWERS.c.annotator == bindparam("annotator"),
    _ANSWERS.c.created_at >= bindparam("since", type_=_ANSWERS.c.created_at.type),
)


def answers_since(session: Session, *, project_id: int, annotator: str, since: datetime) -> int:
    params = {"project_id": project_id, "annotator": annotator, "since": since}
    return execute_core(session, _ANSWERS_SINCE, params).scalar() or 0


def answers_total(session: Session, *, annotator: str, project_id: int | None = None) -> int:
    query = select(func.count(Annotation.id)).where(
        Annotation.annotator == annotator, Annotation.superseded_at.is_(None)
    )
    if project_id is not None:
        query = query.where(Annotation.project_id == project_id)
    return session.scalar(query) or 0


def open_items(session: Session, project_id: int) -> int:
    """Items still taking answers (an index-only count on the queue index)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Item)
            .where(Item.project_id == project_id, Item.status == ItemStatus.OPEN)
        )
        or 0
    )


def lease_by_id(session: Session, lease_id: int) -> Lease | None:
    return session.get(Lease, lease_id)
