"""Open a review for an item: at most one open review per item, whatever the trigger.

A second trigger while a review is open (an Unsure answer, then a disagreement) joins that
review: its reason is added and the post is marked for an update in place, so the lead sees
one post with every reason and every answer.
"""

from __future__ import annotations

import random

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.item_state import is_gold, undecide
from storage import reviews as review_rows
from storage.models import Item, ItemStatus, Review, ReviewReason

#: Reasons that leave the item in the labeling queues; every other reason holds it for a lead.
NON_BLOCKING = frozenset({ReviewReason.UNSURE})


def open_review(
    session: Session, item: Item, reason: ReviewReason, requested_by: str | None = None
) -> Review | None:
    """The item's open review with `reason` among its reasons; None when nothing changed (the
    open review already had that reason) or the item is a gold item.

    Gold items are decided by their gold answer and never reviewed. Disagreement, QA samples
    and manual requests take the item out of the queues until a lead decides (with no final
    label meanwhile); an Unsure answer alone leaves it in the queues so others still answer.
    """
    if is_gold(item):
        return None
    review = review_rows.open_review_of(session, item.id)
    if review is not None:
        if reason.value in review.reasons:
            return None
        review.reasons = [*review.reasons, reason.value]
        review.post_stale = True
    else:
        review = _create(session, item, reason, requested_by)
        if review is None:
            return None
    if reason not in NON_BLOCKING:
        _hold(item)
    return review


def _create(
    session: Session, item: Item, reason: ReviewReason, requested_by: str | None
) -> Review | None:
    review = Review(
        item_id=item.id,
        project_id=item.project_id,
        reason=reason,
        reasons=[reason.value],
        requested_by=requested_by,
    )
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:  # another transaction opened one a moment ago
        return None
    return review


def _hold(item: Item) -> None:
    """An item waiting for a lead is undecided: no final label until the review is closed."""
    undecide(item, ItemStatus.IN_REVIEW)


def drawn_for_qa(rate: float, rng: random.Random) -> bool:
    return rate > 0 and rng.random() < rate
