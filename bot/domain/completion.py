"""Recompute an item's denormalised state (answer count, status, final label) from its answers.

Called after every change to an item's answers, whatever its origin (Slack, import, undo,
purge, a lead sending it back), so the rule in `consensus.py` is applied the same way
everywhere. The rule, in one place:

- an item is *decided* only when it has its required answers and they settle it: by majority
  (no tie, top share at least the review threshold: `consensus`) or by the project's weighted
  model (top posterior at least `consensus.confidence`: `dawid_skene`); when it is a gold item
  with its required answers (`gold`: its gold answer, never reviewed); or when a lead resolved
  its review (`adjudicated`);
- an item whose answers do not settle it asks for one more answer while it has fewer than
  `max_overlap` (it stays open, first in the queue), and then goes to review with no final
  label: a split is never exported, shown or counted as a label;
- anything else is *open*, with no final label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.domain.consensus import Consensus, consensus, is_complete, needs_review
from bot.domain.item_state import decide, is_gold, undecide
from bot.domain.review_routing import open_review
from bot.domain.weighting import item_posterior
from bot.projects.spec import ProjectSpec
from storage.db import execute_core
from storage.item_writes import write_item_state
from storage.models import (
    Annotation,
    FinalMethod,
    Item,
    ItemStatus,
    Review,
    ReviewReason,
)


@dataclass(frozen=True)
class Verdict:
    """What the answers say: a label and how sure (None when they do not settle the item),
    and the reason an unsettled item goes to a lead."""

    label: Any | None
    confidence: float | None
    method: FinalMethod
    reason: ReviewReason


@dataclass(frozen=True)
class Outcome:
    """What a refresh found: whether the item was decided just now, its votes, and the review
    it opened or extended when the answers turned out disputed."""

    completed_now: bool
    consensus: Consensus
    review: Review | None = None


_ANSWERS = Annotation.__table__
_CURRENT_ANSWERS = (
    select(_ANSWERS.c.annotator, _ANSWERS.c.value, _ANSWERS.c.created_at)
    .where(
        _ANSWERS.c.item_id == bindparam("item_id"),
        _ANSWERS.c.superseded_at.is_(None),
        _ANSWERS.c.unsure.is_(False),
    )
    .order_by(_ANSWERS.c.id)
)


def current_values(session: Session, item_id: int) -> list[Any]:
    """The current (not superseded), sure answers' values, oldest first."""
    return [value for _, value, _ in _current_answers(session, item_id)]


def _current_answers(session: Session, item_id: int) -> list[tuple[str, Any, datetime]]:
    """(annotator, value, time) of the current, sure answers, oldest first (run on every
    answer, so the statement is built once)."""
    rows = execute_core(session, _CURRENT_ANSWERS, {"item_id": item_id})
    return [(a, v, t) for a, v, t in rows]


def verdict(
    session: Session, item: Item, spec: ProjectSpec, answers: list[tuple[str, Any]]
) -> Verdict:
    """Whether these (annotator, value) answers settle the item, by the project's method."""
    if spec.consensus.method == "dawid_skene":
        labels, posterior = item_posterior(session, item.project_id, spec, answers)
        top = max(range(len(labels)), key=posterior.__getitem__)
        sure = posterior[top] >= spec.consensus.confidence
        return Verdict(
            labels[top] if sure else None,
            posterior[top],
            FinalMethod.DAWID_SKENE,
            ReviewReason.NOT_CONFIDENT,
        )
    result = consensus([value for _, value in answers])
    disputed = needs_review(result, spec.review.agreement_threshold)
    return Verdict(
        None if disputed else result.label,
        result.share,
        FinalMethod.CONSENSUS,
        ReviewReason.DISAGREEMENT,
    )


def refresh_item(session: Session, item: Item, spec: ProjectSpec) -> Outcome:
    """Update `answer_count` and settle the item by the module's rule.

    Items in review or adjudicated keep their status: only a lead's decision changes those.
    An item that loses answers (undo, purge) reopens unless a lead has adjudicated it. A newly
    decided item's `completed_at` is the time of its latest answer, so imported history keeps
    its own dates.
    """
    answers = _current_answers(session, item.id)
    values = [value for _, value, _ in answers]
    result = consensus(values)
    item.answer_count = len(values)
    if item.status is ItemStatus.IN_REVIEW or item.final_method is FinalMethod.ADJUDICATED:
        write_item_state(session, item)
        return Outcome(completed_now=False, consensus=result)
    was_complete = item.status is ItemStatus.COMPLETE
    decided_at = max((moment for _, _, moment in answers), default=None)
    review: Review | None = None
    if not is_complete(item.answer_count, item.required_answers):
        undecide(item, ItemStatus.OPEN)
    elif is_gold(item):
        decide(item, item.gold_answer, FinalMethod.GOLD, 1.0, at=decided_at)
    else:
        found = verdict(session, item, spec, [(who, value) for who, value, _ in answers])
        if found.label is not None:
            decide(item, found.label, found.method, found.confidence, at=decided_at)
        elif item.answer_count < spec.most_answers:
            item.required_answers = item.answer_count + 1  # one more person, first in line
            undecide(item, ItemStatus.OPEN)
        else:
            undecide(item, ItemStatus.IN_REVIEW)
            review = open_review(session, item, found.reason)
    write_item_state(session, item)
    completed_now = item.status is ItemStatus.COMPLETE and not was_complete
    return Outcome(completed_now=completed_now, consensus=result, review=review)


def reopen(session: Session, item: Item, spec: ProjectSpec) -> Outcome:
    """Put an item back to work (relabel, a review sent back): undecided and open, then settled
    again by the rule, so a gold item with its answers decides itself again."""
    undecide(item, ItemStatus.OPEN)
    session.flush()
    return refresh_item(session, item, spec)
