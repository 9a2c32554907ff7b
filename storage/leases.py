"""Leases: an item handed to one person for a while, so concurrent annotators never overshoot
its overlap. Created, counted, looked up and released here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, make_transient_to_detached

from storage.db import execute_core
from storage.models import Item, Lease, LeaseStatus

# The click path runs these on every answer; they are built once (with bound parameters) so
# a click does not pay for rebuilding the expressions and their cache keys each time.

_LEASES = cast(Table, Lease.__table__)

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


def lease_by_id(session: Session, lease_id: int) -> Lease | None:
    return session.get(Lease, lease_id)


def others_holding(item_id: ColumnElement[int] | InstrumentedAttribute[int]) -> Select[int]:
    """The count of other people's unexpired leases on an item (they count against its
    overlap), for `item_id` a bound id or a correlated column; `now` and `annotator` are
    bound when the statement runs. The rule in one place: the pick, the room check and the
    guarded lease all use it."""
    return select(func.count(_LEASES.c.id)).where(
        _LEASES.c.item_id == item_id,
        _LEASES.c.status == LeaseStatus.ACTIVE,
        _LEASES.c.expires_at > bindparam("now", type_=_LEASES.c.expires_at.type),
        _LEASES.c.annotator != bindparam("annotator", type_=String()),
    )


_OTHERS_HOLDING = others_holding(bindparam("item_id", type_=Integer()))


def others_holding_count(session: Session, item_id: int, annotator: str, now: datetime) -> int:
    params = {"item_id": item_id, "annotator": annotator, "now": now}
    count: int = execute_core(session, _OTHERS_HOLDING, params).scalar() or 0
    return count


_NEW_LEASE: dict[str, Any] = {
    "item_id": bindparam("item_id", type_=Integer()),
    "project_id": bindparam("project_id", type_=Integer()),
    "annotator": bindparam("annotator", type_=String()),
    "status": bindparam("active", type_=_LEASES.c.status.type),
    "shown_at": bindparam("shown_at", type_=_LEASES.c.shown_at.type),
    "expires_at": bindparam("expires_at", type_=_LEASES.c.expires_at.type),
}
_INSERT_LEASE = insert(_LEASES).values(**_NEW_LEASE).returning(_LEASES.c.id)
#: The same row, inserted only while the item's answers and other people's leases (counted by
#: this statement, in its own snapshot) leave a slot: the room check and the lease in one trip.
_INSERT_LEASE_IF_ROOM = (
    insert(_LEASES)
    .from_select(
        list(_NEW_LEASE),
        select(*_NEW_LEASE.values()).where(
            bindparam("answer_count", type_=Integer()) + _OTHERS_HOLDING.scalar_subquery()
            < bindparam("required_answers", type_=Integer())
        ),
    )
    .returning(_LEASES.c.id)
)


def create_lease(
    session: Session, *, item_id: int, project_id: int, annotator: str, now: datetime, minutes: int
) -> Lease:
    """Insert an active lease with one statement (`RETURNING` its id) and return it as a loaded
    object, without a flush (this runs on every click)."""
    lease, params = _new(item_id, project_id, annotator, now, minutes)
    return _added(session, lease, execute_core(session, _INSERT_LEASE, params).scalar_one())


def lease_if_room(
    session: Session, item: Item, annotator: str, now: datetime, minutes: int
) -> Lease | None:
    """Lease a row-locked item to `annotator` if it still has room for them (the rule of
    `queue.has_room`, counted in this statement); None, and nothing stored, when it is full."""
    lease, params = _new(item.id, item.project_id, annotator, now, minutes)
    params |= {"answer_count": item.answer_count, "required_answers": item.required_answers}
    new_id = execute_core(session, _INSERT_LEASE_IF_ROOM, params).scalar()
    return None if new_id is None else _added(session, lease, new_id)


def _new(
    item_id: int, project_id: int, annotator: str, now: datetime, minutes: int
) -> tuple[Lease, dict[str, Any]]:
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
        "now": now,
    }
    return lease, params


def _added(session: Session, lease: Lease, lease_id: int) -> Lease:
    """The inserted lease as a loaded object of the session, as if read back."""
    lease.id = lease_id
    make_transient_to_detached(lease)
    session.add(lease)
    return lease


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
