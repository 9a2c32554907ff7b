"""Which labeling card of a person is live, per project (see `LiveCard`)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.click_reads import LIVE_CARD, forget, recall, remember
from storage.db import execute_core
from storage.models import LiveCard

_CARDS = LiveCard.__table__
_LIVE = select(_CARDS.c.channel, _CARDS.c.message_ts).where(
    _CARDS.c.project_id == bindparam("project_id"), _CARDS.c.annotator == bindparam("annotator")
)


def live_card(session: Session, project_id: int, annotator: str) -> tuple[str, str] | None:
    """(channel, ts) of the person's live card, or None if no card was recorded (read once
    per transaction: a click reads it with its lease, `storage.click_reads`)."""
    found, card = recall(session, LIVE_CARD, (project_id, annotator))
    if found:
        return cast(tuple[str, str] | None, card)
    row = execute_core(session, _LIVE, {"project_id": project_id, "annotator": annotator}).first()
    card = None if row is None else (str(row[0]), str(row[1]))
    remember(session, LIVE_CARD, (project_id, annotator), card)
    return card


def make_live(
    session: Session, project_id: int, annotator: str, channel: str, ts: str, now: datetime
) -> tuple[str, str] | None:
    """Record (channel, ts) as the live card; returns the card it replaces, if another."""
    forget(session, LIVE_CARD)
    row = session.scalars(
        select(LiveCard)
        .where(LiveCard.project_id == project_id, LiveCard.annotator == annotator)
        .with_for_update()
    ).first()
    if row is None:
        card = LiveCard(
            project_id=project_id,
            annotator=annotator,
            channel=channel,
            message_ts=ts,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(card)
        except IntegrityError:  # a second card posted at the same moment: the later one wins
            return make_live(session, project_id, annotator, channel, ts, now)
        return None
    previous = (row.channel, row.message_ts)
    row.channel, row.message_ts, row.updated_at = channel, ts, now
    session.flush()
    return None if previous == (channel, ts) else previous
