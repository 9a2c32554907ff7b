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
    """The answers' majority: `label` is None when no answer has more votes than every other
    (a tie is never settled by the order the answers came in)."""

    label: Any | None
    share: float
    answers: int
    tied: bool = False

    @property
    def unanimous(self) -> bool:
        return self.answers > 0 and self.share == 1.0


def consensus(values: Sequence[Any]) -> Consensus:
    """The majority answer among (non-unsure) values and its share; None on a tie for the top."""
    if not values:
        return Consensus(label=None, share=0.0, answers=0)
    counts = Counter(answer_key(v) for v in values).most_common()
    top_key, top_count = counts[0]
    share = top_count / len(values)
    if len(counts) > 1 and counts[1][1] == top_count:
        return Consensus(label=None, share=share, answers=len(values), tied=True)
    label = next(v for v in values if answer_key(v) == top_key)
    return Consensus(label=label, share=share, answers=len(values))


def vote_counts(values: Sequence[Any]) -> list[tuple[Any, int]]:
    """Each distinct answer (as first given) with how many gave it, most first."""
    first: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    for value in values:
        first.setdefault(answer_key(value), value)
        counts[answer_key(value)] += 1
    return [(first[key], count) for key, count in counts.most_common()]


def votes(values: Sequence[Any]) -> dict[str, int]:
    """The split an export shows: answers as written (multi-choice lists joined with `|`)
    mapped to how many gave them, e.g. `{"positive": 1, "negative": 1}`."""
    return {
        "|".join(map(str, value)) if isinstance(value, list) else str(value): count
        for value, count in vote_counts(values)
    }


def is_complete(answer_count: int, required_answers: int) -> bool:
    """An item is complete once it has its required number of (non-unsure) answers."""
    return answer_count >= required_answers


def needs_review(result: Consensus, agreement_threshold: float) -> bool:
    """A tie, or agreement below the project's threshold, sends a complete item to review."""
    if result.answers < 2:
        return False
    return result.tied or result.share < agreement_threshold - 1e-9
