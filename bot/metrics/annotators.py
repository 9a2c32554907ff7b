"""Per-annotator figures: volume, speed, active time and quality against gold and final labels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from statistics import median

from bot.domain.consensus import answer_key
from bot.metrics.records import Accuracy, AnswerRecord, ItemRecord, as_aware, local_date

IDLE_CAP = timedelta(minutes=5)
MIN_PER_ANSWER = timedelta(seconds=5)


@dataclass(frozen=True)
class AnnotatorStats:
    """One annotator's figures; ratios are None when there is nothing to divide by
    (`gold.value` is None when they answered no gold items)."""

    annotator: str
    answers_today: int
    answers_last_7_days: int
    answers_total: int
    median_seconds: float | None
    active_time: timedelta
    gold: Accuracy
    agreement_with_final: float | None
    unsure_rate: float | None


def annotator_stats(
    answers: Iterable[AnswerRecord],
    items: Iterable[ItemRecord],
    now: datetime,
    tz: tzinfo,
    idle_cap: timedelta = IDLE_CAP,
    min_per_answer: timedelta = MIN_PER_ANSWER,
) -> list[AnnotatorStats]:
    """Stats for everyone who answered, busiest first (ties by name).

    "Today" and "last 7 days" are calendar days in `tz` (today and the six days before it),
    so a digest matches what annotators see on their clocks.
    """
    items_by_id = {item.item_id: item for item in items}
    by_annotator: dict[str, list[AnswerRecord]] = defaultdict(list)
    for answer in answers:
        by_annotator[answer.annotator].append(answer)
    today = local_date(now, tz)
    week_start = today - timedelta(days=6)
    stats = []
    for annotator, own in by_annotator.items():
        days = [local_date(answer.created_at, tz) for answer in own]
        stats.append(
            AnnotatorStats(
                annotator=annotator,
                answers_today=sum(day == today for day in days),
                answers_last_7_days=sum(week_start <= day <= today for day in days),
                answers_total=len(own),
                median_seconds=median_seconds(own),
                active_time=active_time(
                    [(answer.created_at, answer.seconds) for answer in own],
                    idle_cap,
                    min_per_answer,
                ),
                gold=gold_accuracy(own, items_by_id),
                agreement_with_final=agreement_with_final(own, items_by_id),
                unsure_rate=unsure_rate(own),
            )
        )
    return sorted(stats, key=lambda s: (-s.answers_total, s.annotator))


def median_seconds(answers: Iterable[AnswerRecord]) -> float | None:
    """Median time from card shown to answer; the median shrugs off cards left open overnight."""
    timings = [answer.seconds for answer in answers if answer.seconds is not None]
    return float(median(timings)) if timings else None


AnswerTime = tuple[datetime, float | None]
"""When an answer was given, and the seconds its card was open before it (None if unknown)."""


def active_time(
    answers: Iterable[AnswerTime],
    idle_cap: timedelta = IDLE_CAP,
    min_per_answer: timedelta = MIN_PER_ANSWER,
) -> timedelta:
    """Working time billed for a run of answers, in time order (docs/stats.md, "Active time").

    An answer within `idle_cap` of the previous one is billed the gap (steady work: the gap
    covers reading the card and answering). The first answer, and the first after a longer
    gap (a break), have no gap to go by, so they are billed their recorded seconds from card
    shown to answer, capped at `idle_cap` (a card can sit open overnight). Every answer is
    billed at least `min_per_answer` (even a quick answer took reading), and that minimum
    when no seconds were recorded (imports, channel mode). Answers given at the same instant
    are taken in order of their recorded seconds, so the result does not depend on row order.
    """
    ordered = sorted((as_aware(moment), seconds or 0.0) for moment, seconds in answers)
    total = timedelta(0)
    previous: datetime | None = None
    for moment, seconds in ordered:
        gap = None if previous is None else moment - previous
        if gap is not None and gap <= idle_cap:
            total += max(min_per_answer, gap)
        else:
            total += max(min_per_answer, min(timedelta(seconds=seconds), idle_cap))
        previous = moment
    return total


def gold_accuracy(
    answers: Iterable[AnswerRecord], items_by_id: Mapping[int, ItemRecord]
) -> Accuracy:
    """Answers on gold items that match the gold answer, out of answers on gold items.

    Unsure answers are abstentions and are not scored; `value` is None when nothing was scored.
    """
    scored = correct = 0
    for answer in _decided(answers):
        item = items_by_id.get(answer.item_id)
        if item is None or item.gold_answer is None:
            continue
        scored += 1
        correct += answer_key(answer.value) == answer_key(item.gold_answer)
    return Accuracy(correct, scored)


def agreement_with_final(
    answers: Iterable[AnswerRecord], items_by_id: Mapping[int, ItemRecord]
) -> float | None:
    """Share of (non-unsure) answers on completed items that match the item's final label."""
    scored = matching = 0
    for answer in _decided(answers):
        item = items_by_id.get(answer.item_id)
        if item is None or not item.is_complete or item.final_label is None:
            continue
        scored += 1
        matching += answer_key(answer.value) == answer_key(item.final_label)
    return matching / scored if scored else None


def unsure_rate(answers: Iterable[AnswerRecord]) -> float | None:
    """Share of answers flagged unsure: a high rate points at unclear guidelines or items."""
    flags = [answer.unsure for answer in answers]
    return sum(flags) / len(flags) if flags else None


def _decided(answers: Iterable[AnswerRecord]) -> Iterable[AnswerRecord]:
    return (answer for answer in answers if not answer.unsure and answer.value is not None)
