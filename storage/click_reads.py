"""What a label click reads, in one round trip: the lease, its item (row-locked), the project,
and the lease holder's live card and latest guideline reading.

The click's guard (is this the live card?), its answer (whose lease, which guideline version)
and its next card each need one of these; read separately they were three statements. The
extras are kept in the session for the transaction (`remembered`), where `live_cards` and
`bot.domain.guideline_acks` look first.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, ScalarSelect, Table, bindparam, select
from sqlalchemy.orm import Session

from storage.db import TRANSACTION_MEMOS
from storage.models import GuidelineAck, Item, Lease, LiveCard, Project

_ACKS = cast(Table, GuidelineAck.__table__)
_CARDS = cast(Table, LiveCard.__table__)

#: Keys of the session memos (`session.info`), one dict each, for this transaction only.
LATEST_ACK = "latest_ack"
LIVE_CARD = "live_card"
CLICK_ROWS = "click_rows"
TRANSACTION_MEMOS.update({LATEST_ACK, LIVE_CARD, CLICK_ROWS})


def latest_ack_version(
    project_id: ColumnElement[int] | Any, user_id: ColumnElement[str] | Any
) -> ScalarSelect[str]:
    """The guideline version a person acknowledged last (the rule, in one place)."""
    return (
        select(_ACKS.c.version)
        .where(_ACKS.c.project_id == project_id, _ACKS.c.user_id == user_id)
        .order_by(_ACKS.c.acked_at.desc(), _ACKS.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _live(column: str) -> ScalarSelect[str]:
    return (
        select(_CARDS.c[column])
        .where(_CARDS.c.project_id == Lease.project_id, _CARDS.c.annotator == Lease.annotator)
        .scalar_subquery()
    )


_CLICK = (
    select(
        Lease,
        Item,
        Project,
        latest_ack_version(Lease.project_id, Lease.annotator),
        _live("channel"),
        _live("message_ts"),
    )
    .join(Item, Item.id == Lease.item_id)
    .join(Project, Project.id == Lease.project_id)
    .where(Lease.id == bindparam("lease_id"))
    .with_for_update(of=Item)
    .execution_options(populate_existing=True)
)


def lease_with_locked_item(session: Session, lease_id: int) -> tuple[Lease, Item, Project] | None:
    """A lease, its item and its project, the item's row locked and freshly read (answers to one
    item queue up behind each other), read once per transaction."""
    memo: dict[int, tuple[Lease, Item, Project] | None] = session.info.setdefault(CLICK_ROWS, {})
    if lease_id in memo:
        return memo[lease_id]
    row = session.execute(_CLICK, {"lease_id": lease_id}).first()
    found = None if row is None else (row[0], row[1], row[2])
    memo[lease_id] = found
    if row is not None:
        lease = row[0]
        key = (lease.project_id, lease.annotator)
        remember(session, LATEST_ACK, key, row[3])
        remember(session, LIVE_CARD, key, None if row[4] is None else (row[4], row[5]))
    return found


def remember(session: Session, memo: str, key: Any, value: Any) -> None:
    session.info.setdefault(memo, {})[key] = value


def recall(session: Session, memo: str, key: Any) -> tuple[bool, Any]:
    """(found, value): whether this transaction has read it already, and what."""
    values: dict[Any, Any] = session.info.get(memo, {})
    return (key in values, values.get(key))


def forget(session: Session, memo: str) -> None:
    """After a write that changes what the memo holds."""
    session.info.pop(memo, None)
