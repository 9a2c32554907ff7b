"""Open a review for an item: at most one open review per item, whatever the trigger."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Item, ItemStatus, Review, ReviewReason, ReviewStatus


def open_review(
    session: Session, item: Item, reason: ReviewReason, requested_by: str | None = None
) -> Review | None:
    """Create the item's open review, or return None when one is already open.

    Disagreement, QA samples and manual requests take the item out of the queues until a lead
    decides; an Unsure answer alone leaves it in the queues so others still answer it.
    """
    existing = session.scalar(
        select(Review.id).where(Review.item_id == item.id, Review.status == ReviewStatus.OPEN)
    )
    if existing is not None:
        return None
    review = Review(
        item_id=item.id, project_id=item.project_id, reason=reason, requested_by=requested_by
    )
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:
        return None
    if reason is not ReviewReason.UNSURE:
        item.status = ItemStatus.IN_REVIEW
    return review


def drawn_for_qa(rate: float, rng: random.Random) -> bool:
    return rate > 0 and rng.random() < rate
