"""Queries behind the review channel: posting claims, decisions, the edge-case log, feedback.

Posting is claimed with a conditional UPDATE (`message_ts IS NULL` → `pending:<time>:<token>`)
so two threads or processes never post the same review; a claim whose poster died is taken
over once it is older than the caller's cutoff.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Table,
    and_,
    bindparam,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from storage.db import execute_core
from storage.models import (
    Annotation,
    Comment,
    EdgeCase,
    GuidelineFeedback,
    Item,
    Review,
    ReviewStatus,
)

CLAIM_PREFIX = "pending:"


def claim_token(now: datetime) -> str:
    """`pending:<epoch seconds, 10 digits>:<random>`; sorts by time as text (fits String(32))."""
    return f"{CLAIM_PREFIX}{int(now.timestamp()):010d}:{secrets.token_hex(4)}"


def unposted_review_ids(
    session: Session, *, project_id: int | None, stale_before: datetime
) -> list[int]:
    """Open reviews with no post yet (or an abandoned claim), oldest first."""
    query = (
        select(Review.id)
        .where(Review.status == ReviewStatus.OPEN, _claimable(stale_before))
        .order_by(Review.id)
    )
    if project_id is not None:
        query = query.where(Review.project_id == project_id)
    return list(session.scalars(query))


def _claimable(stale_before: datetime) -> ColumnElement[bool]:
    stale = f"{CLAIM_PREFIX}{int(stale_before.timestamp()):010d}"
    return or_(
        Review.message_ts.is_(None),
        and_(
            Review.channel.is_(None),
            Review.message_ts.startswith(CLAIM_PREFIX),
            Review.message_ts < stale,
        ),
    )


def claim_post(session: Session, review_id: int, token: str, *, stale_before: datetime) -> bool:
    """Mark the review as being posted by this caller; False if someone else holds it.

    The post about to be rendered shows everything so far, so the stale flag is cleared with
    the claim; an answer arriving after it sets the flag again and the post is updated.
    """
    result = session.execute(
        update(Review)
        .where(
            Review.id == review_id,
            Review.status == ReviewStatus.OPEN,
            _claimable(stale_before),
        )
        .values(message_ts=token, post_stale=False)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def store_post(session: Session, review_id: int, token: str, channel: str, ts: str) -> None:
    """Replace this caller's claim with the posted message's address."""
    session.execute(
        update(Review)
        .where(Review.id == review_id, Review.message_ts == token)
        .values(channel=channel, message_ts=ts)
        .execution_options(synchronize_session=False)
    )


#: `status = 'open'` written as a literal, so SQLite (and PostgreSQL's generic plans) can
#: use the partial unique index on open reviews for an item look-up.
OPEN_LITERAL = text("reviews.status = 'open'")

_REVIEWS = cast(Table, Review.__table__)
_MARK_STALE = (
    update(_REVIEWS)
    .where(_REVIEWS.c.item_id == bindparam("the_item"), OPEN_LITERAL)
    .values(post_stale=True)
    .returning(_REVIEWS.c.id)
)


def mark_post_stale(session: Session, item_id: int) -> int | None:
    """Flag the item's open review (if any) for an update of its post; its id, or None.

    One statement that both finds and marks, as it runs on every answer.
    """
    found: int | None = execute_core(session, _MARK_STALE, {"the_item": item_id}).scalar()
    return found


def stale_post_ids(session: Session, *, project_id: int | None) -> list[int]:
    """Open reviews whose post exists but shows less than the item now has, oldest first."""
    query = (
        select(Review.id)
        .where(
            Review.status == ReviewStatus.OPEN,
            Review.post_stale.is_(True),
            Review.channel.is_not(None),
        )
        .order_by(Review.id)
    )
    if project_id is not None:
        query = query.where(Review.project_id == project_id)
    return list(session.scalars(query))


def claim_update(session: Session, review_id: int) -> bool:
    """Take the update of a stale post (clearing the flag); False if another poster took it."""
    result = session.execute(
        update(Review)
        .where(Review.id == review_id, Review.post_stale.is_(True), Review.channel.is_not(None))
        .values(post_stale=False)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def set_post_stale(session: Session, review_id: int) -> None:
    """Give an update back after a failed call, so the next publish retries it."""
    session.execute(
        update(Review)
        .where(Review.id == review_id)
        .values(post_stale=True)
        .execution_options(synchronize_session=False)
    )


def release_claim(session: Session, review_id: int, token: str) -> None:
    """Give a claim back after a failed post, so the next publish retries it."""
    session.execute(
        update(Review)
        .where(Review.id == review_id, Review.message_ts == token, Review.channel.is_(None))
        .values(message_ts=None)
        .execution_options(synchronize_session=False)
    )


def close_review(
    session: Session,
    review_id: int,
    *,
    status: ReviewStatus,
    resolver: str,
    now: datetime,
    resolution: object = None,
    note: str | None = None,
) -> bool:
    """Close an open review; False if it was already closed (a concurrent decision won)."""
    result = session.execute(
        update(Review)
        .where(Review.id == review_id, Review.status == ReviewStatus.OPEN)
        .values(
            status=status,
            resolver=resolver,
            resolved_at=now,
            resolution=resolution,
            resolution_note=note,
        )
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def open_review_of(session: Session, item_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.item_id == item_id, OPEN_LITERAL))


def current_answers(session: Session, item_id: int) -> list[Annotation]:
    """The item's current answers (unsure ones included), oldest first."""
    return list(
        session.scalars(
            select(Annotation)
            .where(Annotation.item_id == item_id, Annotation.superseded_at.is_(None))
            .order_by(Annotation.id)
        )
    )


def edge_cases(session: Session, project_id: int) -> list[tuple[EdgeCase, Item]]:
    """Every edge case of the project with its item, oldest first."""
    rows = session.execute(
        select(EdgeCase, Item)
        .join(Item, Item.id == EdgeCase.item_id)
        .where(EdgeCase.project_id == project_id)
        .order_by(EdgeCase.created_at, EdgeCase.id)
    )
    return [(edge, item) for edge, item in rows]


def latest_reviews(session: Session, item_ids: Sequence[int]) -> dict[int, Review]:
    latest: dict[int, Review] = {}
    for review in session.scalars(
        select(Review).where(Review.item_id.in_(item_ids)).order_by(Review.id)
    ):
        latest[review.item_id] = review
    return latest


def discussions(session: Session, item_ids: Sequence[int]) -> dict[int, list[Comment]]:
    """Thread comments that were not deleted, per item, oldest first."""
    grouped: dict[int, list[Comment]] = {}
    for comment in session.scalars(
        select(Comment)
        .where(Comment.item_id.in_(item_ids), Comment.deleted_at.is_(None))
        .order_by(Comment.created_at, Comment.id)
    ):
        grouped.setdefault(comment.item_id, []).append(comment)
    return grouped


def feedback(session: Session, project_id: int) -> list[GuidelineFeedback]:
    return list(
        session.scalars(
            select(GuidelineFeedback)
            .where(GuidelineFeedback.project_id == project_id)
            .order_by(GuidelineFeedback.created_at, GuidelineFeedback.id)
        )
    )
