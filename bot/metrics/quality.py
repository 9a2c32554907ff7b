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

from bot.metrics.records import Accuracy

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
