"""Is an annotator's work good enough? One rule for the quality flag, the digest and pay.

An annotator's *quality* pools every answer that can be scored: answers on gold items against
the gold answer, and answers on decided (non-gold) items against the decided label. Gold
alone is too thin (a few gold answers each) and agreement with the decided label alone is
lenient (their own vote helped decide it); pooled, a spammer stands out within a few dozen
answers.

An annotator is flagged only when the evidence says they are below the bar: the upper end of
the 95% Wilson interval of their quality is under the threshold, over at least
`min_scored` answers. A weak but honest annotator near the bar, or one with few scored
answers, is not flagged by noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.consensus import answer_key
from bot.metrics.records import Accuracy, AnswerValue

LOW_QUALITY = 0.7
MIN_SCORED = 20
Z_95 = 1.959963984540054


def pooled(agreement: Accuracy, gold: Accuracy) -> Accuracy:
    """Quality over every scored answer: gold answers and answers on decided items."""
    return Accuracy(agreement.correct + gold.correct, agreement.scored + gold.scored)


def wilson_upper(accuracy: Accuracy, z: float = Z_95) -> float | None:
    """Upper bound of the Wilson score interval for `accuracy` (None with nothing scored)."""
    n = accuracy.scored
    if n == 0:
        return None
    p = accuracy.correct / n
    denominator = 1 + z * z / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + spread) / denominator)


def is_low_quality(
    quality: Accuracy, threshold: float = LOW_QUALITY, min_scored: int = MIN_SCORED
) -> bool:
    """Confidently below `threshold`: enough scored answers, and even the optimistic end of
    the interval falls short."""
    upper = wilson_upper(quality)
    return quality.scored >= min_scored and upper is not None and upper < threshold


@dataclass(frozen=True)
class Estimate:
    """The weighted model's view of an annotator: estimated accuracy over `answers` answers,
    and the label they give most beyond its true share (with how many times), if any."""

    accuracy: float
    answers: int
    overuses: tuple[str, float] | None  # (choice value, times its true share)
    overuses_text: str | None = None  # that choice as people read it

    def habit(self) -> str | None:
        """ "Positive 2.8×", for people."""
        if self.overuses is None:
            return None
        return f"{self.overuses_text or self.overuses[0]} {self.overuses[1]:.1f}×"


def accuracy_by_annotator(
    outcomes: Mapping[str, Sequence[tuple[AnswerValue, AnswerValue, int]]],
) -> dict[str, Accuracy]:
    """Answers matching the gold or decided label (compared as `answer_key`s, like every
    metric), per annotator."""
    result = {}
    for annotator, rows in outcomes.items():
        correct = sum(n for value, gold, n in rows if answer_key(value) == answer_key(gold))
        result[annotator] = Accuracy(correct, sum(n for _, _, n in rows))
    return result


@dataclass(frozen=True)
class AnnotatorQuality:
    """An annotator's scored answers: against gold answers and against decided labels (and
    the weighted model's estimate, in projects that have one)."""

    annotator: str
    gold: Accuracy
    agreement: Accuracy
    estimate: Estimate | None = None

    @property
    def quality(self) -> Accuracy:
        return pooled(self.agreement, self.gold)

    @property
    def flagged(self) -> bool:
        """Confidently below the quality bar (see `bot.metrics.quality`)."""
        return is_low_quality(self.quality)


def quality_by_annotator(
    gold: Mapping[str, Accuracy],
    agreement: Mapping[str, Accuracy],
    estimates: Mapping[str, Estimate] | None = None,
) -> list[AnnotatorQuality]:
    """Everyone with a scored answer, most scored answers first (ties by id)."""
    estimates = estimates or {}
    rows = [
        AnnotatorQuality(
            who,
            gold.get(who, Accuracy(0, 0)),
            agreement.get(who, Accuracy(0, 0)),
            estimates.get(who),
        )
        for who in set(gold) | set(agreement)
    ]
    return sorted(rows, key=lambda row: (-row.quality.scored, row.annotator))


def needs_calibration(rows: Sequence[AnnotatorQuality]) -> list[AnnotatorQuality]:
    """The flagged annotators, worst first. Shown to leads only, never in a channel."""
    flagged = [row for row in rows if row.flagged]
    return sorted(flagged, key=lambda row: (row.quality.value or 0.0, row.annotator))
