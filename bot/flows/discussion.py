"""Thread replies under review posts become the item's recorded discussion.

Slack redelivers events it thinks failed; the event id is stored so each is applied once, and
the (channel, ts) key of a comment makes even an unlabelled duplicate harmless.
"""

from __future__ import annotations

import enum
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.flows.effects import Outcome
from storage.models import Comment, ProcessedEvent, Review, utcnow

log = logging.getLogger(__name__)

MAX_COMMENT = 40_000


class ThreadEvent(enum.StrEnum):
    STORED = "stored"
    EDITED = "edited"
    DELETED = "deleted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


def first_delivery(session: Session, event_id: str | None) -> bool:
    """Record the event id; False if this event was handled before (a Slack retry)."""
    if not event_id:
        return True
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id[:64]))
            session.flush()
    except IntegrityError:
        return False
    return True


def ts_to_datetime(ts: str | None) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts or ""), tz=UTC)
    except ValueError:
        return utcnow()


def apply_message_event(session: Session, event: dict[str, Any]) -> ThreadEvent:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return _edit(session, event)
    if subtype == "message_deleted":
        return _delete(session, event)
    if subtype not in (None, "thread_broadcast", "file_share") or event.get("bot_id"):
        return ThreadEvent.IGNORED
    return _reply(session, event)


def _review_for_thread(session: Session, channel: str, thread_ts: str) -> Review | None:
    return session.scalars(
        select(Review)
        .where(Review.channel == channel, Review.message_ts == thread_ts)
        .order_by(Review.id.desc())
        .limit(1)
    ).first()


def _reply(session: Session, event: dict[str, Any]) -> ThreadEvent:
    channel, ts, thread_ts = event.get("channel"), event.get("ts"), event.get("thread_ts")
    user = event.get("user")
    if not (channel and ts and thread_ts and user) or thread_ts == ts:
        return ThreadEvent.IGNORED
    review = _review_for_thread(session, str(channel), str(thread_ts))
    if review is None:
        return ThreadEvent.IGNORED
    comment = Comment(
        item_id=review.item_id,
        review_id=review.id,
        author=str(user)[:64],
        text=str(event.get("text") or "")[:MAX_COMMENT],
        channel=str(channel),
        message_ts=str(ts),
        created_at=ts_to_datetime(str(ts)),
    )
    try:
        with session.begin_nested():
            session.add(comment)
            session.flush()
    except IntegrityError:
        return ThreadEvent.DUPLICATE
    return ThreadEvent.STORED


def _comment(session: Session, channel: Any, ts: Any) -> Comment | None:
    if not channel or not ts:
        return None
    return session.scalars(
        select(Comment).where(Comment.channel == str(channel), Comment.message_ts == str(ts))
    ).first()


def _edit(session: Session, event: dict[str, Any]) -> ThreadEvent:
    message = event.get("message") or {}
    comment = _comment(session, event.get("channel"), message.get("ts"))
    if comment is None:
        return ThreadEvent.IGNORED
    comment.text = str(message.get("text") or "")[:MAX_COMMENT]
    edited = (message.get("edited") or {}).get("ts")
    comment.edited_at = ts_to_datetime(edited) if edited else utcnow()
    return ThreadEvent.EDITED


def _delete(session: Session, event: dict[str, Any]) -> ThreadEvent:
    comment = _comment(session, event.get("channel"), event.get("deleted_ts"))
    if comment is None:
        return ThreadEvent.IGNORED
    comment.deleted_at = comment.deleted_at or utcnow()
    return ThreadEvent.DELETED


def record_thread_event(session: Session, event_id: str | None, event: dict[str, Any]) -> Outcome:
    """A message event: stored once (Slack may redeliver it), logged when it touched a review
    thread; nothing to send back."""
    if not first_delivery(session, event_id):
        return []
    outcome = apply_message_event(session, event)
    if outcome is not ThreadEvent.IGNORED:
        log.info("review thread %s: %s", event.get("channel"), outcome.value)
    return []
