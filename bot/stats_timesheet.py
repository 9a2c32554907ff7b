"""Timesheets: per annotator, what they did in a date range and what they are owed.

Active hours come from answer times and card timers (`bot.metrics.active_time`): steady work
is billed the gaps between answers, and the first answer after a break its card time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.metrics import Accuracy, active_time
from bot.metrics.annotators import AnswerTime
from bot.projects.sync import project_spec
from bot.stats import accuracy_by_annotator, day_start, zone_of
from storage import stats_annotators, stats_quality
from storage.models import Project

COLUMNS = [
    "annotator",
    "items",
    "answers",
    "active_hours",
    "gold_accuracy",
    "gold_answers",
    "rate",
    "amount",
]


@dataclass(frozen=True)
class TimesheetRow:
    annotator: str
    items: int
    answers: int
    active_hours: float
    gold: Accuracy
    rate: float

    @property
    def amount(self) -> float:
        return round(round(self.active_hours, 2) * self.rate, 2)


def timesheet(
    session: Session, project: Project, since: date, until: date, rate: float
) -> list[TimesheetRow]:
    """Days `since` to `until` inclusive, in the project's time zone; by annotator id."""
    tz = zone_of(project_spec(project))
    start, end = day_start(since, tz), day_start(until + timedelta(days=1), tz)
    gold = accuracy_by_annotator(
        stats_quality.gold_outcomes(session, project.id, since=start, until=end)
    )
    rows = []
    for annotator, answers in _by_annotator(
        stats_annotators.answer_times(session, project.id, start, end)
    ):
        hours = active_time(timing for _, timing in answers).total_seconds() / 3600
        rows.append(
            TimesheetRow(
                annotator=annotator,
                items=len({item_id for item_id, _ in answers}),
                answers=len(answers),
                active_hours=hours,
                gold=gold.get(annotator, Accuracy(0, 0)),
                rate=rate,
            )
        )
    return rows


def _by_annotator(
    rows: Iterable[tuple[str, int, datetime, float | None]],
) -> Iterable[tuple[str, list[tuple[int, AnswerTime]]]]:
    """Group the (annotator-ordered) stream one annotator at a time."""
    current: str | None = None
    batch: list[tuple[int, AnswerTime]] = []
    for annotator, item_id, moment, seconds in rows:
        if annotator != current:
            if current is not None:
                yield current, batch
            current, batch = annotator, []
        batch.append((item_id, (moment, seconds)))
    if current is not None:
        yield current, batch


def to_csv(rows: Iterable[TimesheetRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        accuracy = row.gold.value
        writer.writerow(
            [
                row.annotator,
                row.items,
                row.answers,
                f"{row.active_hours:.2f}",
                "" if accuracy is None else f"{accuracy:.3f}",
                row.gold.scored,
                f"{row.rate:.2f}",
                f"{row.amount:.2f}",
            ]
        )
    return out.getvalue()
