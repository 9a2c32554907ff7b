"""Plain, frozen inputs for the metrics: the storage layer builds them from queries, so every
metric is a pure function that tests can feed by hand.

Datetimes should be timezone-aware; a naive one (SQLite drops the zone) is read as UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import TypeAlias

from storage.values import AnswerValue as AnswerValue  # re-exported for the metrics

Units: TypeAlias = Mapping[int, Mapping[str, str]]
"""Reliability data: item id -> annotator -> answer key (see `bot.domain.consensus.answer_key`)."""

# The values of `storage.models.ItemStatus`, repeated so metrics stay free of the ORM
# (a test checks they match).
STATUS_OPEN = "open"
STATUS_IN_REVIEW = "in_review"
STATUS_COMPLETE = "complete"
METHOD_ADJUDICATED = "adjudicated"


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
