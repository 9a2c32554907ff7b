"""Erasure requests: remove a person's or an item's data from a project, leaving an audit entry.

A person's answers, comments, guideline acknowledgements, leases and feedback are deleted, and
where their id was kept as a decision-maker (resolver, edge case author, review requester) it is
replaced by a placeholder, so the decisions remain but no longer point to them. Items that lost
answers are settled again by the usual completion rule. The audit entry holds a hash of the
erased id, not the id itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.completion import refresh_item
from bot.projects.sync import project_spec
from storage.models import (
    Annotation,
    Comment,
    EdgeCase,
    GuidelineAck,
    GuidelineFeedback,
    Item,
    Lease,
    Project,
    Review,
)

ERASED = "[erased]"


@dataclass(frozen=True)
class PurgeResult:
    annotations: int = 0
    comments: int = 0
    items: int = 0
    reaffected_items: int = 0


def pseudonym(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge_annotator(session: Session, project: Project, user_id: str, actor: str) -> PurgeResult:
    item_ids = set(
        session.scalars(
            select(Annotation.item_id).where(
                Annotation.project_id == project.id, Annotation.annotator == user_id
            )
        )
    )
    project_items = select(Item.id).where(Item.project_id == project.id)
    annotations = _count(
        session.execute(
            delete(Annotation).where(
                Annotation.project_id == project.id, Annotation.annotator == user_id
            )
        )
    )
    comments = _count(
        session.execute(
            delete(Comment).where(Comment.author == user_id, Comment.item_id.in_(project_items))
        )
    )
    for model, column in (
        (GuidelineAck, GuidelineAck.user_id),
        (Lease, Lease.annotator),
        (GuidelineFeedback, GuidelineFeedback.author),
    ):
        session.execute(delete(model).where(model.project_id == project.id, column == user_id))
    session.execute(
        update(Review)
        .where(Review.project_id == project.id, Review.resolver == user_id)
        .values(resolver=ERASED)
    )
    session.execute(
        update(Review)
        .where(Review.project_id == project.id, Review.requested_by == user_id)
        .values(requested_by=ERASED)
    )
    session.execute(
        update(EdgeCase)
        .where(EdgeCase.project_id == project.id, EdgeCase.marked_by == user_id)
        .values(marked_by=ERASED)
    )
    spec = project_spec(project)
    for item_id in sorted(item_ids):
        item = session.get(Item, item_id)
        if item is not None:
            refresh_item(session, item, spec)
    audit.record(
        session,
        actor=actor,
        action="purge_annotator",
        project_id=project.id,
        detail={
            "annotator_sha256": pseudonym(user_id),
            "annotations": annotations,
            "comments": comments,
            "items_resettled": len(item_ids),
        },
    )
    return PurgeResult(annotations=annotations, comments=comments, reaffected_items=len(item_ids))


def purge_item(session: Session, project: Project, item_ref: str, actor: str) -> PurgeResult:
    """Delete one item (by id or external id) with everything hanging off it (FK cascades)."""
    item = _find_item(session, project, item_ref)
    if item is None:
        raise LookupError(f"no item {item_ref!r} in project {project.slug}")
    annotations = len(
        list(session.scalars(select(Annotation.id).where(Annotation.item_id == item.id)))
    )
    comments = len(list(session.scalars(select(Comment.id).where(Comment.item_id == item.id))))
    external_id = item.external_id
    session.delete(item)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="purge_item",
        project_id=project.id,
        detail={"external_id": external_id, "annotations": annotations, "comments": comments},
    )
    return PurgeResult(annotations=annotations, comments=comments, items=1)


def _find_item(session: Session, project: Project, ref: str) -> Item | None:
    if ref.isdigit():
        item = session.get(Item, int(ref))
        if item is not None and item.project_id == project.id:
            return item
    return session.scalars(
        select(Item).where(Item.project_id == project.id, Item.external_id == ref)
    ).first()
