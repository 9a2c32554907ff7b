"""Recompute an item's denormalised state (answer count, status, final label) from its answers.

Called after every change to an item's answers, whatever its origin (Slack, import, undo), so
the rule in `consensus.py` is applied the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.domain.consensus import Consensus, consensus, is_complete, needs_review
from bot.projects.spec import ProjectSpec
from storage.models import Annotation, FinalMethod, Item, ItemStatus, utcnow


@dataclass(frozen=True)
class Outcome:
    completed_now: bool
    consensus: Consensus
    needs_review: bool


_CURRENT_VALUES = (
    select(Annotation.value)
    .where(
        Annotation.item_id == bindparam("item_id"),
        Annotation.superseded_at.is_(None),
        Annotation.unsure.is_(False),
    )
    .order_by(Annotation.id)
)


def current_values(session: Session, item_id: int) -> list[Any]:
    """The current (not superseded), sure answers' values, oldest first (run on every answer,
    so the statement is built once)."""
    return list(session.scalars(_CURRENT_VALUES, {"item_id": item_id}))


def refresh_item(session: Session, item: Item, spec: ProjectSpec) -> Outcome:
    """Update `answer_count`; settle a newly complete item by consensus (or by its gold answer).

    Items under review or adjudicated keep their status: only a lead's decision changes those.
    An item that loses answers (undo, purge) reopens unless a lead has adjudicated it.
    """
    values = current_values(session, item.id)
    result = consensus(values)
    item.answer_count = len(values)
    complete = is_complete(item.answer_count, item.required_answers)
    disputed = complete and needs_review(result, spec.review.agreement_threshold)
    if item.status is ItemStatus.IN_REVIEW or item.final_method is FinalMethod.ADJUDICATED:
        return Outcome(completed_now=False, consensus=result, needs_review=False)
    was_complete = item.status is ItemStatus.COMPLETE
    if complete:
        item.status = ItemStatus.COMPLETE
        if item.is_gold and item.gold_answer is not None:
            item.final_label, item.final_method = item.gold_answer, FinalMethod.GOLD
        else:
            item.final_label, item.final_method = result.label, FinalMethod.CONSENSUS
        if not was_complete:
            item.completed_at = utcnow()
    else:
        item.status = ItemStatus.OPEN
        item.final_label = item.final_method = item.completed_at = None
    session.flush()
    return Outcome(
        completed_now=complete and not was_complete,
        consensus=result,
        needs_review=disputed and not was_complete,
    )
