"""An item's decision fields, set and cleared in one place: a decided item has its label, how
it was decided, how sure, and when; an undecided one has none of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.models import FinalMethod, Item, ItemStatus, utcnow


def is_gold(item: Item) -> bool:
    """A gold item is decided by its gold answer; one without an answer is an ordinary item."""
    return item.is_gold and item.gold_answer is not None


def decide(
    item: Item,
    label: Any,
    method: FinalMethod,
    confidence: float | None,
    *,
    at: datetime | None,
) -> None:
    """Record the decision; an item decided before keeps its `completed_at`."""
    was_complete = item.status is ItemStatus.COMPLETE and item.completed_at is not None
    item.status = ItemStatus.COMPLETE
    item.final_label, item.final_method, item.label_confidence = label, method, confidence
    if not was_complete:
        item.completed_at = at or utcnow()


def undecide(item: Item, status: ItemStatus) -> None:
    """Open, or waiting in review: no final label, method, confidence or completion time."""
    item.status = status
    item.final_label = item.final_method = item.label_confidence = item.completed_at = None
