"""Handing out items: resume the one a person holds, or lease the best next one.

Leases keep concurrent annotators from overshooting an item's overlap; gold items are mixed in
at the project's rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.projects.spec import ProjectSpec
from bot.projects.sync import project_spec
from storage import leases, queue
from storage.db import is_sqlite
from storage.models import Item, Lease, LeaseStatus, Project


@dataclass(frozen=True)
class Assignment:
    item: Item
    lease: Lease


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
    held = leases.active_lease_for(session, project.id, user_id) if resume else None
    if held is not None:
        item = session.get(Item, held.item_id)
        if item is not None and queue.has_room(session, item, user_id, now):
            held.expires_at = now + timedelta(minutes=spec.lease_minutes)
            return Assignment(item=item, lease=held)
        held.status = LeaseStatus.RELEASED
    gold_first = spec.gold.rate > 0 and rng.random() < spec.gold.rate
    # SQLite transactions hold the write lock from their start (storage.db), so only
    # PostgreSQL needs row locks to keep two processes from taking the same last slot.
    lock = not is_sqlite(session.get_bind().engine)
    for gold in (gold_first, not gold_first):
        found = (
            _lease_locked(session, project, spec, user_id, now, gold)
            if lock
            else _lease_free(session, project, spec, user_id, now, gold)
        )
        if found is not None:
            return found
    return None


def _lease_free(
    session: Session, project: Project, spec: ProjectSpec, user_id: str, now: datetime, gold: bool
) -> Assignment | None:
    item = queue.next_item(session, project_id=project.id, annotator=user_id, now=now, gold=gold)
    return None if item is None else lease_item(session, project, spec, item, user_id, now)


def _lease_locked(
    session: Session, project: Project, spec: ProjectSpec, user_id: str, now: datetime, gold: bool
) -> Assignment | None:
    """Pick and lock the best candidate, then lease it if it still has room (one statement
    each); a candidate found full is passed over, up to `queue.LOCK_CANDIDATES` of them."""
    passed: list[int] = []
    for _ in range(queue.LOCK_CANDIDATES):
        item = queue.pick_locked(
            session, project_id=project.id, annotator=user_id, now=now, gold=gold, passed=passed
        )
        if item is None:
            return None
        lease = leases.lease_if_room(session, item, user_id, now, spec.lease_minutes)
        if lease is not None:
            return Assignment(item=item, lease=lease)
        passed.append(item.id)
    return None


def lease_item(
    session: Session, project: Project, spec: ProjectSpec, item: Item, user_id: str, now: datetime
) -> Assignment:
    """Hand `item` to the person for the project's lease time."""
    lease = leases.create_lease(
        session,
        item_id=item.id,
        project_id=project.id,
        annotator=user_id,
        now=now,
        minutes=spec.lease_minutes,
    )
    return Assignment(item=item, lease=lease)
