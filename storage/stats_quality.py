"""Answers loaded as values for quality metrics: gold outcomes (grouped in SQL to a handful
of rows) and agreement over a bounded, deterministic sample of complete items, so a stats call
stays fast at a million answers.

Datetimes passed in must be timezone-aware (see `storage.stats_scope`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Text, cast, func, select
from sqlalchemy.orm import Session

from bot.metrics.records import AnswerValue
from storage.models import Annotation, FinalMethod, Item, ItemStatus
from storage.stats_scope import as_utc, current_answers

#: Complete items whose answers are loaded to compute agreement; above this, a deterministic
#: sample (every k-th item id) keeps a stats call well under two seconds at a million answers.
AGREEMENT_SAMPLE = 2_000


class _Decoder:
    """JSON text to answer values, decoding each distinct text once."""

    def __init__(self) -> None:
        self._seen: dict[str, AnswerValue] = {}

    def __call__(self, raw: str | None) -> AnswerValue:
        if raw is None:
            return None
        value = self._seen.get(raw)
        if value is None:
            value = self._seen[raw] = json.loads(raw)
        return value


def gold_outcomes(
    session: Session,
    project_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    annotator: str | None = None,
) -> dict[str, list[tuple[AnswerValue, AnswerValue, int]]]:
    """Per annotator: (answer, gold answer, how often) for sure answers on gold items.

    Grouping on the JSON text leaves a handful of rows whatever the volume; the caller
    compares answers with `answer_key` (see `bot.stats.gold_accuracy_by_annotator`).
    """
    value_text, gold_text = cast(Annotation.value, Text), cast(Item.gold_answer, Text)
    # Driving from the (few) gold items' ids lets SQLite look answers up by item id
    # instead of joining every answer of the project to its item.
    gold_ids = select(Item.id).where(Item.project_id == project_id, Item.gold_answer.is_not(None))
    query = (
        select(Annotation.annotator, value_text, gold_text, func.count())
        .join(Item, Item.id == Annotation.item_id)
        .where(
            Annotation.item_id.in_(gold_ids),
            *current_answers(project_id),
            Annotation.unsure.is_(False),
            Annotation.value.is_not(None),
        )
        .group_by(Annotation.annotator, value_text, gold_text)
    )
    if since is not None:
        query = query.where(Annotation.created_at >= as_utc(since))
    if until is not None:
        query = query.where(Annotation.created_at < as_utc(until))
    if annotator is not None:
        query = query.where(Annotation.annotator == annotator)
    decode = _Decoder()
    outcomes: dict[str, list[tuple[AnswerValue, AnswerValue, int]]] = {}
    for who, value, gold, count in session.execute(query):
        outcomes.setdefault(str(who), []).append((decode(value), decode(gold), int(count)))
    return outcomes


@dataclass(frozen=True)
class AgreementSample:
    """Sure answers on complete items (item -> annotator -> value) and adjudicated labels.

    `population` complete items matched; when more than the sample limit did, only every
    `stride`-th item id is loaded and `sampled` is True.
    """

    values: dict[int, dict[str, AnswerValue]]
    adjudicated: dict[int, AnswerValue]
    population: int
    sampled: bool


def agreement_sample(
    session: Session,
    project_id: int,
    *,
    completed_from: datetime | None = None,
    completed_to: datetime | None = None,
    limit: int | None = None,
) -> AgreementSample:
    """Answers on complete items (completed in the window, if given), sampled above `limit`
    (default `AGREEMENT_SAMPLE`)."""
    limit = AGREEMENT_SAMPLE if limit is None else limit
    conditions: list[ColumnElement[bool]] = [
        Item.project_id == project_id,
        Item.status == ItemStatus.COMPLETE,
    ]
    if completed_from is not None:
        conditions.append(Item.completed_at >= as_utc(completed_from))
    if completed_to is not None:
        conditions.append(Item.completed_at < as_utc(completed_to))
    population = int(session.scalar(select(func.count()).where(*conditions)) or 0)
    sampled = population > limit
    if sampled:
        conditions.append(Item.id % math.ceil(population / limit) == 0)
    decode = _Decoder()
    values: dict[int, dict[str, AnswerValue]] = {}
    answers = (
        select(Annotation.item_id, Annotation.annotator, cast(Annotation.value, Text))
        .join(Item, Item.id == Annotation.item_id)
        .where(
            *conditions,
            Annotation.superseded_at.is_(None),
            Annotation.unsure.is_(False),
            Annotation.value.is_not(None),
        )
        .execution_options(yield_per=5_000)
    )
    for item_id, annotator, raw in session.execute(answers):
        values.setdefault(int(item_id), {})[str(annotator)] = decode(raw)
    adjudicated_rows = session.execute(
        select(Item.id, cast(Item.final_label, Text)).where(
            *conditions,
            Item.final_method == FinalMethod.ADJUDICATED,
            Item.final_label.is_not(None),
        )
    )
    adjudicated = {int(item_id): decode(raw) for item_id, raw in adjudicated_rows}
    return AgreementSample(values, adjudicated, population, sampled)
