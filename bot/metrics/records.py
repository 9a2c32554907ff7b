"""Plain, frozen inputs for the metrics: the storage layer builds them from queries, so every
metric is a pure function that tests can feed by hand.

Datetimes should be timezone-aware; a naive one (SQLite drops the zone) is read as UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import TypeAlias

AnswerValue: TypeAlias = str | int | float | list[str] | None
"""A stored answer or label: one choice, a rating, a multi-choice list, or nothing."""

Units: TypeAlias = Mapping[int, Mapping[str, str]]
"""Reliability data: item id -> annotator -> answer key (see `bot.domain.consensus.answer_key`)."""

# The values of `storage.models.ItemStatus`, repeated so metrics stay free of the ORM
# (a test checks they match).
STATUS_OPEN = "open"
STATUS_IN_REVIEW = "in_review"
STATUS_COMPLETE = "complete"
METHOD_ADJUDICATED = "adjudicated"


@dataclass(frozen=True)
class AnswerRecord:
    """One current (not superseded) answer by one annotator."""

    item_id: int
    annotator: str
    value: AnswerValue
    unsure: bool
    seconds: float | None
    created_at: datetime


@dataclass(frozen=True)
class ItemRecord:
    """One item's state; `gold_answer` is set only on gold (known-answer) items."""

    item_id: int
    status: str
    final_label: AnswerValue
    final_method: str | None
    gold_answer: AnswerValue
    prediction: AnswerValue
    required_answers: int
    created_at: datetime
    completed_at: datetime | None = None

    @property
    def is_complete(self) -> bool:
        return self.status == STATUS_COMPLETE

    @property
    def is_gold(self) -> bool:
        return self.gold_answer is not None


@dataclass(frozen=True)
class ReviewRecord:
    """One review request; open while `resolved_at` is None."""

    item_id: int
    reason: str
    created_at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Accuracy:
    """`correct` out of `scored` answers or predictions; `value` is None when none were scored."""

    correct: int
    scored: int

    @property
    def value(self) -> float | None:
        return self.correct / self.scored if self.scored else None


def as_aware(moment: datetime) -> datetime:
    """The same instant with a zone: naive datetimes are taken to be UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar day `moment` falls on for people in time zone `tz`."""
    return as_aware(moment).astimezone(tz).date()
