"""Queries behind assignment: which item a person gets next, and per-person counts (the leases
themselves are `storage.leases`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Session

from storage import leases
from storage.db import execute_core
from storage.models import Annotation, Item, ItemStatus, Lease, LeaseStatus

# The click path runs these on every answer; they are built once (with bound parameters) so
# a click does not pay for rebuilding the expressions and their cache keys each time.


def _others_holding() -> ScalarSelect[int]:
    """Correlated count of other people's unexpired leases on the outer item."""
    return leases.others_holding(Item.id).scalar_subquery()


def _new_to_annotator() -> list[ColumnElement[bool]]:
    """Open items of the project this person has never answered, skipped or been handed."""
    annotator = bindparam("annotator", type_=String())
    # `OFFSET 0` keeps PostgreSQL from turning each NOT EXISTS into an anti-join that reads
    # every answer and lease the person ever gave (its estimate for a new annotator is one
    # row), a cost that grew with each click; probed per candidate item instead, it stays
    # a few index entries. SQLite probes per candidate anyway.
    seen_before = (
        select(Annotation.id)
        .where(Annotation.item_id == Item.id, Annotation.annotator == annotator)
        .offset(0)
        .exists()
    )
    handed_before = (
        select(Lease.id)
        .where(
            Lease.item_id == Item.id,
            Lease.annotator == annotator,
            Lease.status.in_([LeaseStatus.ACTIVE, LeaseStatus.SKIPPED, LeaseStatus.ANSWERED]),
        )
        .offset(0)
        .exists()
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
    session: Session, *, project_id: int, annotator: str, now: datetime, gold: bool
) -> Item | None:
    """The best open item this person has never answered, skipped or been handed.

    Order: nearest completion, then priority, then model uncertainty (lowest prediction score),
    then import order. Other people's unexpired leases count against the overlap so concurrent
    annotators never overshoot it. On SQLite the transaction holds the write lock, so the item
    is still free when it is leased; PostgreSQL uses `pick_locked`.
    """
    params = {"project_id": project_id, "annotator": annotator, "now": now}
    return session.scalars(_NEXT_ITEM[gold], params).first()


def pick_locked(
    session: Session,
    *,
    project_id: int,
    annotator: str,
    now: datetime,
    gold: bool,
    passed: list[int],
) -> Item | None:
    """`next_item` for PostgreSQL (READ COMMITTED): the pick locks its row (`FOR UPDATE SKIP
    LOCKED`: an item being taken by another transaction is passed over), freshly read.

    Its room must still be counted again in a later statement (`leases.lease_if_room`): this
    statement's snapshot may predate a lease another process has just committed, and everyone
    who leases or answers an item holds its row lock first. `passed` are items found full.
    """
    params = {"project_id": project_id, "annotator": annotator, "now": now}
    query = _NEXT_LOCKED[gold]
    if passed:
        query = query.where(Item.id.not_in(passed))
    return session.scalars(query, params).first()


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
    holding = leases.active_lease_for(session, project_id, annotator) is not None
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
        and item.answer_count + leases.others_holding_count(session, item.id, annotator, now)
        < item.required_answers
    )


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
