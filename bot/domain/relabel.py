"""Relabel: a lead sends an item back to the queue for a fresh round of answers.

The rule, in one place:
- every current answer is marked superseded (kept, with its time, for the record and exports);
- the item is open again with no final label, and needs `required_answers` new answers;
- the people who answered before are not asked again (the queue never hands a person an item
  they answered), so the new round is fresh eyes;
- an item with an open review is refused: the review thread is where that item is decided;
- the change is written to the audit log with the label it replaces.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.completion import reopen
from bot.projects.sync import project_spec
from storage.models import Annotation, Item, ItemStatus, Project, Review, ReviewStatus


class RelabelStatus(enum.StrEnum):
    REOPENED = "reopened"
    ALREADY_OPEN = "already_open"
    IN_REVIEW = "in_review"


@dataclass(frozen=True)
class RelabelResult:
    status: RelabelStatus
    superseded: int = 0


def relabel_item(
    session: Session, project: Project, item: Item, *, actor: str, now: datetime
) -> RelabelResult:
    """Reopen `item` for fresh answers (see the module docstring). The caller checked that
    `actor` leads the project; a repeated click finds nothing left to reopen."""
    open_review = session.scalar(
        select(Review.id).where(Review.item_id == item.id, Review.status == ReviewStatus.OPEN)
    )
    if open_review is not None:
        return RelabelResult(RelabelStatus.IN_REVIEW)
    current = session.scalars(
        select(Annotation).where(Annotation.item_id == item.id, Annotation.superseded_at.is_(None))
    ).all()
    superseded = len(current)
    for annotation in current:
        annotation.superseded_at = now
    if not superseded and item.status is ItemStatus.OPEN and item.final_label is None:
        return RelabelResult(RelabelStatus.ALREADY_OPEN)
    previous: dict[str, Any] = {
        "label": item.final_label,
        "method": item.final_method.value if item.final_method else None,
    }
    reopen(session, item, project_spec(project))
    audit.record(
        session,
        actor=actor,
        action="relabel",
        project_id=project.id,
        detail={
            "item_id": item.id,
            "external_id": item.external_id,
            "superseded_answers": superseded,
            "previous_label": previous["label"],
            "previous_method": previous["method"],
        },
        now=now,
    )
    return RelabelResult(RelabelStatus.REOPENED, superseded)
