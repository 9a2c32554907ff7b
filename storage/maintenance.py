"""Upkeep queries run by the scheduler."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent


def forget_processed_events(session: Session, *, before: datetime) -> int:
    """Slack stops retrying an event within minutes; ids older than that are dead weight."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
