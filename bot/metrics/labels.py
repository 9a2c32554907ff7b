"""Which labels are used, and which get confused with each other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from bot.domain.consensus import answer_key
from bot.metrics.records import AnswerValue


@dataclass(frozen=True)
class LabelCount:
    """How many labelled items carry `label`, and that count as a share of labelled items."""

    label: str
    count: int
    share: float


@dataclass(frozen=True)
class ConfusionPair:
    """Two different labels given to the same item `count` times (`first` < `second`)."""

    first: str
    second: str
    count: int


class _Names:
    """Display names per answer key: the first spelling seen ("Spam" rather than "spam")."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def key(self, value: AnswerValue) -> str:
        key = answer_key(value)
        if key not in self._names:
            shown = " + ".join(sorted(value)) if isinstance(value, list) else str(value)
            self._names[key] = " ".join(shown.split())
        return key

    def __getitem__(self, key: str) -> str:
        return self._names[key]


def label_distribution(labels: Iterable[tuple[AnswerValue, int]]) -> list[LabelCount]:
    """Decided labels by frequency, most frequent first (ties alphabetical), from (label, how
    many items carry it) pairs; None is skipped.

    A multi-choice label counts once for each chosen option, so shares (per labelled item)
    can add up to more than 1.
    """
    names = _Names()
    counts: Counter[str] = Counter()
    labelled = 0
    for label, items in labels:
        if label is None:
            continue
        labelled += items
        options: Sequence[AnswerValue] = label if isinstance(label, list) else [label]
        for key in {names.key(option) for option in options}:
            counts[key] += items
    ranked = sorted(counts.items(), key=lambda entry: (-entry[1], names[entry[0]]))
    return [LabelCount(names[key], count, count / labelled) for key, count in ranked]


def confusion_pairs(
    answers_by_item: Mapping[int, Sequence[AnswerValue]],
    adjudicated_labels: Mapping[int, AnswerValue],
) -> list[ConfusionPair]:
    """Unordered pairs of labels that clash, most frequent first (ties alphabetical).

    Two sources: every pair of annotators on an item who answered differently, and every
    answer that differs from the label a reviewer adjudicated for that item. Pass only
    adjudicated labels: a consensus label is one of the answers, so its clashes are already
    counted among the annotators. Multi-choice answers compare as sets.
    """
    names = _Names()
    counts: Counter[tuple[str, str]] = Counter()
    for item_id, values in answers_by_item.items():
        keys = [names.key(value) for value in values if value is not None]
        for first, second in combinations(keys, 2):
            if first != second:
                counts[_ordered(names[first], names[second])] += 1
        final = adjudicated_labels.get(item_id)
        if final is None:
            continue
        final_key = names.key(final)
        for key in keys:
            if key != final_key:
                counts[_ordered(names[key], names[final_key])] += 1
    ranked = sorted(counts.items(), key=lambda entry: (-entry[1], entry[0]))
    return [ConfusionPair(first, second, count) for (first, second), count in ranked]


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)
