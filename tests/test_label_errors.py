"""Finding likely label errors with cleanlab, inside a server process.

The search runs on the scheduler's leader, a process full of threads. A process forked there
can hang on a lock another thread held at the fork, and the training run would hang with it
(it did, in CI): so the search must never start worker processes, whatever the core count.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import numpy as np
import pytest

from bot.model.label_errors import suspects


def _confident_probabilities(labels: list[str], classes: list[str]) -> np.ndarray:
    """A model 90% sure of each given label, except that it doubts the last one."""
    rows = np.full((len(labels), len(classes)), 0.1 / (len(classes) - 1))
    for row, label in enumerate(labels):
        rows[row, classes.index(label)] = 0.9
    rows[-1] = 0.1 / (len(classes) - 1)
    rows[-1, classes.index("neg")] = 0.9
    return rows


def test_the_doubted_label_is_found_without_starting_a_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_fork(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("find_label_issues started a process pool in a threaded server")

    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 8)
    monkeypatch.setattr(multiprocessing, "Pool", no_fork)
    classes = ["neg", "neu", "pos"]
    labels = [classes[n % 3] for n in range(60)] + ["pos"]

    found = suspects(labels, classes, _confident_probabilities(labels, classes))

    assert [(s.row, s.given, s.suggested) for s in found] == [(60, "pos", "neg")]
    assert found[0].given_probability == 0.05
    assert found[0].suggested_probability == 0.9
