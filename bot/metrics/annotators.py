"""Per-annotator figures: volume, speed, active time and quality against gold and final labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.metrics.records import as_aware

IDLE_CAP = timedelta(minutes=5)
MIN_PER_ANSWER = timedelta(seconds=5)


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
