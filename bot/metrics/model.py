"""How the model's pre-labels compare with what the humans decided."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.consensus import answer_key
from bot.metrics.records import Accuracy, ItemRecord


def prediction_accuracy(items: Iterable[ItemRecord]) -> Accuracy:
    """Accuracy of predictions on completed items that have both a prediction and a final label.

    Open items are left out: their label is not settled, and early answers would bias the figure.
    """
    compared = correct = 0
    for item in items:
        if not item.is_complete or item.prediction is None or item.final_label is None:
            continue
        compared += 1
        correct += answer_key(item.prediction) == answer_key(item.final_label)
    return Accuracy(correct, compared)
