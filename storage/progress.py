"""Counts that summarise a project's progress, computed with GROUP BY (no rows loaded)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Item, ItemStatus


@dataclass(frozen=True)
class StatusCounts:
    open: int = 0
    in_review: int = 0
    complete: int = 0

    @property
    def total(self) -> int:
        return self.open + self.in_review + self.complete


def status_counts(session: Session, project_id: int) -> StatusCounts:
    rows = session.execute(
        select(Item.status, func.count(Item.id))
        .where(Item.project_id == project_id)
        .group_by(Item.status)
    ).all()
    counts = {ItemStatus(status).value: int(count) for status, count in rows}
    return StatusCounts(**counts)
