"""The audit log: who did what, when. Every lead action and every erasure writes one entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEvent, utcnow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    project_id: int | None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Add an entry in the caller's transaction, so it is written with the change it describes."""
    event = AuditEvent(
        project_id=project_id,
        actor=actor,
        action=action,
        detail=detail or {},
        created_at=now or utcnow(),
    )
    session.add(event)
    return event


def entries(
    session: Session, *, project_id: int | None, since: datetime | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.created_at, AuditEvent.id)
    if project_id is not None:
        query = query.where(AuditEvent.project_id == project_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    return list(session.scalars(query))
