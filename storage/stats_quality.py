"""Answers loaded as values for quality metrics: outcomes against gold and decided labels
(grouped in SQL to a handful of rows) and agreement over a bounded, deterministic sample of
the items two or more annotators answered, so a stats call stays fast at a million answers.

Datetimes passed in must be timezone-aware (see `storage.stats_scope`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from storage.models import Annotation, FinalMethod, Item
from storage.stats_scope import as_utc, current_answers
from storage.values import AnswerValue

#: Items whose answers are loaded to compute agreement; above this, a deterministic
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


Outcomes = dict[str, list[tuple[AnswerValue, AnswerValue, int]]]


def gold_outcomes(
    session: Session,
    project_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    annotator: str | None = None,
) -> Outcomes:
    """Per annotator: (answer, gold answer, how often) for sure answers on gold items.

    Grouping on the JSON text leaves a handful of rows whatever the volume; the caller
    compares answers with `answer_key` (see `bot.reports.stats.accuracy_by_annotator`).
    """
    # Driving from the (few) gold items' ids lets SQLite look answers up by item id
    # instead of joining every answer of the project to its item.
    gold_ids = select(Item.id).where(Item.project_id == project_id, Item.gold_answer.is_not(None))
    return _outcomes(
        session,
        project_id,
        Item.gold_answer,
        Annotation.item_id.in_(gold_ids),
        since=since,
        until=until,
        annotator=annotator,
    )


def final_outcomes(
    session: Session,
    project_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    annotator: str | None = None,
) -> Outcomes:
    """Per annotator: (answer, decided label, how often) for sure answers on decided items
    that are not gold (a gold item's label is its gold answer, scored by `gold_outcomes`)."""
    return _outcomes(
        session,
        project_id,
        Item.final_label,
        and_(Item.final_method.is_not(None), Item.gold_answer.is_(None)),
        since=since,
        until=until,
        annotator=annotator,
    )


def _outcomes(
    session: Session,
    project_id: int,
    truth: QueryableAttribute[Any],
    items: ColumnElement[bool],
    *,
    since: datetime | None,
    until: datetime | None,
    annotator: str | None,
) -> Outcomes:
    value_text, truth_text = cast(Annotation.value, Text), cast(truth, Text)
    query = (
        select(Annotation.annotator, value_text, truth_text, func.count())
        .join(Item, Item.id == Annotation.item_id)
        .where(
            items,
            *current_answers(project_id),
            Annotation.unsure.is_(False),
            Annotation.value.is_not(None),
        )
        .group_by(Annotation.annotator, value_text, truth_text)
    )
    if since is not None:
        query = query.where(Annotation.created_at >= as_utc(since))
    if until is not None:
        query = query.where(Annotation.created_at < as_utc(until))
    if annotator is not None:
        query = query.where(Annotation.annotator == annotator)
    decode = _Decoder()
    outcomes: Outcomes = {}
    for who, value, expected, count in session.execute(query):
        outcomes.setdefault(str(who), []).append((decode(value), decode(expected), int(count)))
    return outcomes


@dataclass(frozen=True)
class AgreementSample:
    """Sure answers (item -> annotator -> value) on items that two or more annotators
    answered, and the labels leads adjudicated for them.

    `population` items qualified; when more than the sample limit did, only every
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
    answered_from: datetime | None = None,
    answered_to: datetime | None = None,
    limit: int | None = None,
) -> AgreementSample:
    """Answers on every item with current sure answers from at least two annotators, whatever
    its status (open, in review, decided): agreement between annotators must not depend on
    which items a review threshold held back. Given a window, only items that received an
    answer in it. Sampled above `limit` (default `AGREEMENT_SAMPLE`)."""
    limit = AGREEMENT_SAMPLE if limit is None else limit
    # One current answer per annotator and item (a unique index), so two answers are two
    # annotators.
    conditions: list[ColumnElement[bool]] = [
        Item.project_id == project_id,
        Item.answer_count >= 2,
    ]
    if answered_from is not None or answered_to is not None:
        window = [Annotation.project_id == project_id]
        if answered_from is not None:
            window.append(Annotation.created_at >= as_utc(answered_from))
        if answered_to is not None:
            window.append(Annotation.created_at < as_utc(answered_to))
        conditions.append(Item.id.in_(select(Annotation.item_id).where(*window)))
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
