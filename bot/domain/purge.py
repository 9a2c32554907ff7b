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
from storage.row_ids import as_row_id

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


class NothingToErase(LookupError):
    """The erasure names a person or an item the project holds no data of: most likely a typo,
    which must not look like a successful erasure (nor leave an audit entry saying so)."""


def purge_annotator(
    session: Session, project: Project, user_id: str, actor: str, *, allow_missing: bool = False
) -> PurgeResult:
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
    touched = annotations + comments
    for model, column in (
        (GuidelineAck, GuidelineAck.user_id),
        (Lease, Lease.annotator),
        (GuidelineFeedback, GuidelineFeedback.author),
    ):
        touched += _count(
            session.execute(delete(model).where(model.project_id == project.id, column == user_id))
        )
    for role in (Review.resolver, Review.requested_by):
        touched += _count(
            session.execute(
                update(Review)
                .where(Review.project_id == project.id, role == user_id)
                .values({role.key: ERASED})
            )
        )
    touched += _count(
        session.execute(
            update(EdgeCase)
            .where(EdgeCase.project_id == project.id, EdgeCase.marked_by == user_id)
            .values(marked_by=ERASED)
        )
    )
    if touched == 0 and not allow_missing:
        raise NothingToErase(f"project {project.slug} holds no data of annotator {user_id}")
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


def purge_item(
    session: Session, project: Project, item_ref: str, actor: str, *, allow_missing: bool = False
) -> PurgeResult:
    """Delete one item (by id or external id) with everything hanging off it (FK cascades)."""
    item = _find_item(session, project, item_ref)
    if item is None:
        if not allow_missing:
            raise NothingToErase(f"project {project.slug} holds no item {item_ref!r}")
        audit.record(
            session,
            actor=actor,
            action="purge_item",
            project_id=project.id,
            detail={"external_id": item_ref, "annotations": 0, "comments": 0, "found": False},
        )
        return PurgeResult()
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
    row_id = as_row_id(ref)
    if row_id is not None:
        item = session.get(Item, row_id)
        if item is not None and item.project_id == project.id:
            return item
    return session.scalars(
        select(Item).where(Item.project_id == project.id, Item.external_id == ref)
    ).first()
