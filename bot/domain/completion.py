"""Recompute an item's denormalised state (answer count, status, final label) from its answers.

Called after every change to an item's answers, whatever its origin (Slack, import, undo,
purge, a lead sending it back), so the rule in `consensus.py` is applied the same way
everywhere. The rule, in one place:

- an item is *decided* only when it is complete and not disputed (`final_method` consensus),
  when it is a gold item with its required answers (`gold`: its gold answer, never reviewed),
  or when a lead resolved its review (`adjudicated`);
- a complete item whose answers tie, or agree less than the review threshold, is *in review*
  with no final label: a split is never exported, shown or counted as a label;
- anything else is *open*, with no final label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.domain.consensus import Consensus, consensus, is_complete, needs_review
from bot.domain.review_routing import open_review
from bot.projects.spec import ProjectSpec
from storage.models import (
    Annotation,
    FinalMethod,
    Item,
    ItemStatus,
    Review,
    ReviewReason,
    utcnow,
)


@dataclass(frozen=True)
class Outcome:
    """What a refresh found: whether the item was decided just now, its votes, and the review
    it opened or extended when the answers turned out disputed."""

    completed_now: bool
    consensus: Consensus
    review: Review | None = None


_CURRENT_ANSWERS = (
    select(Annotation.value, Annotation.created_at)
    .where(
        Annotation.item_id == bindparam("item_id"),
        Annotation.superseded_at.is_(None),
        Annotation.unsure.is_(False),
    )
    .order_by(Annotation.id)
)


def current_values(session: Session, item_id: int) -> list[Any]:
    """The current (not superseded), sure answers' values, oldest first."""
    return [value for value, _ in _current_answers(session, item_id)]


def _current_answers(session: Session, item_id: int) -> list[tuple[Any, datetime]]:
    """(value, time) of the current, sure answers, oldest first (run on every answer, so the
    statement is built once)."""
    return [(v, t) for v, t in session.execute(_CURRENT_ANSWERS, {"item_id": item_id})]


def is_gold(item: Item) -> bool:
    """A gold item is decided by its gold answer; one without an answer is an ordinary item."""
    return item.is_gold and item.gold_answer is not None


def refresh_item(session: Session, item: Item, spec: ProjectSpec) -> Outcome:
    """Update `answer_count` and settle the item by the module's rule.

    Items in review or adjudicated keep their status: only a lead's decision changes those.
    An item that loses answers (undo, purge) reopens unless a lead has adjudicated it. A newly
    decided item's `completed_at` is the time of its latest answer, so imported history keeps
    its own dates.
    """
    answers = _current_answers(session, item.id)
    values = [value for value, _ in answers]
    result = consensus(values)
    decided_at = max((moment for _, moment in answers), default=None)
    item.answer_count = len(values)
    if item.status is ItemStatus.IN_REVIEW or item.final_method is FinalMethod.ADJUDICATED:
        session.flush()
        return Outcome(completed_now=False, consensus=result)
    was_complete = item.status is ItemStatus.COMPLETE
    review: Review | None = None
    if not is_complete(item.answer_count, item.required_answers):
        _undecide(item, ItemStatus.OPEN)
    elif is_gold(item):
        _decide(item, item.gold_answer, FinalMethod.GOLD, decided_at, was_complete)
    elif needs_review(result, spec.review.agreement_threshold):
        _undecide(item, ItemStatus.IN_REVIEW)
        review = open_review(session, item, ReviewReason.DISAGREEMENT)
    else:
        _decide(item, result.label, FinalMethod.CONSENSUS, decided_at, was_complete)
    session.flush()
    completed_now = item.status is ItemStatus.COMPLETE and not was_complete
    return Outcome(completed_now=completed_now, consensus=result, review=review)


def _decide(
    item: Item,
    label: Any,
    method: FinalMethod,
    decided_at: datetime | None,
    was_complete: bool,
) -> None:
    item.status = ItemStatus.COMPLETE
    item.final_label, item.final_method = label, method
    if not was_complete or item.completed_at is None:
        item.completed_at = decided_at or utcnow()


def _undecide(item: Item, status: ItemStatus) -> None:
    item.status = status
    item.final_label = item.final_method = item.completed_at = None
