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
from storage import queue
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
    held = queue.active_lease_for(session, project.id, user_id) if resume else None
    if held is not None:
        item = session.get(Item, held.item_id)
        if item is not None and queue.has_room(session, item, user_id, now):
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
            return lease_item(session, project, spec, item, user_id, now)
    return None


def lease_item(
    session: Session, project: Project, spec: ProjectSpec, item: Item, user_id: str, now: datetime
) -> Assignment:
    """Hand `item` to the person for the project's lease time."""
    lease = queue.create_lease(
        session,
        item_id=item.id,
        project_id=project.id,
        annotator=user_id,
        now=now,
        minutes=spec.lease_minutes,
    )
    return Assignment(item=item, lease=lease)
