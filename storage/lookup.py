"""Queries behind `/label item` and `/label search`: find items by reference, read their history.

Every function takes the projects the caller may see, so an item outside them is simply not
found (its existence is not revealed).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Annotation, Comment, Item, Review, ReviewStatus
from storage.row_ids import as_row_id

MAX_MATCHES = 10


def items_by_reference(
    session: Session, reference: str, project_ids: Collection[int], limit: int = MAX_MATCHES
) -> list[Item]:
    """Items whose id (when the reference is a number) or external id equals `reference`.

    An id match comes first; an external id may exist in several projects, so all such items
    (up to `limit`) follow, in id order.
    """
    reference = reference.strip()
    if not reference or not project_ids:
        return []
    found: list[Item] = []
    row_id = as_row_id(reference)
    if row_id is not None:
        by_id = session.get(Item, row_id)
        if by_id is not None and by_id.project_id in project_ids:
            found.append(by_id)
    by_external = session.scalars(
        select(Item)
        .where(Item.external_id == reference, Item.project_id.in_(list(project_ids)))
        .order_by(Item.id)
        .limit(limit)
    )
    found.extend(item for item in by_external if item not in found)
    return found[:limit]


def items_by_ids(session: Session, item_ids: list[int]) -> list[Item]:
    """Items in the order of `item_ids` (search results keep their rank)."""
    if not item_ids:
        return []
    rows = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(item_ids)))}
    return [rows[i] for i in item_ids if i in rows]


def annotations_of(session: Session, item_id: int) -> list[Annotation]:
    """Every answer to the item, superseded ones included, oldest first."""
    return list(
        session.scalars(
            select(Annotation)
            .where(Annotation.item_id == item_id)
            .order_by(Annotation.created_at, Annotation.id)
        )
    )


def latest_review(session: Session, item_id: int) -> Review | None:
    """The open review if there is one, else the most recent one."""
    return session.scalars(
        select(Review)
        .where(Review.item_id == item_id)
        .order_by(
            (Review.status == ReviewStatus.OPEN).desc(), Review.created_at.desc(), Review.id.desc()
        )
        .limit(1)
    ).first()


def comment_count(session: Session, item_id: int) -> int:
    """Replies in the item's review threads that are still there (not deleted)."""
    return (
        session.scalar(
            select(func.count(Comment.id)).where(
                Comment.item_id == item_id, Comment.deleted_at.is_(None)
            )
        )
        or 0
    )
