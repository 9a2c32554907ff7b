"""When an item is complete and what its consensus label is: one rule, used everywhere
(the queue, the review router, digests, metrics and exports)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def answer_key(value: Any) -> str:
    """A hashable, order-insensitive key for an answer (multi-choice lists compare as sets)."""
    if isinstance(value, list):
        return "|".join(sorted(str(v) for v in value))
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return str(value)


@dataclass(frozen=True)
class Consensus:
    label: Any | None
    share: float
    answers: int

    @property
    def unanimous(self) -> bool:
        return self.answers > 0 and self.share == 1.0


def consensus(values: Sequence[Any]) -> Consensus:
    """The majority answer among (non-unsure) values and its share; ties keep the first given."""
    if not values:
        return Consensus(label=None, share=0.0, answers=0)
    counts = Counter(answer_key(v) for v in values)
    top_key, top_count = counts.most_common(1)[0]
    label = next(v for v in values if answer_key(v) == top_key)
    return Consensus(label=label, share=top_count / len(values), answers=len(values))


def is_complete(answer_count: int, required_answers: int) -> bool:
    """An item is complete once it has its required number of (non-unsure) answers."""
    return answer_count >= required_answers


def needs_review(result: Consensus, agreement_threshold: float) -> bool:
    """Agreement below the project's threshold sends a complete item to review."""
    return result.answers > 1 and result.share < agreement_threshold - 1e-9
