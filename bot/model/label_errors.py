"""Which decided labels are most likely wrong, by cleanlab's confident learning.

cleanlab's `find_label_issues` compares each label with the out-of-sample probabilities of a
model that never saw that item, estimates the joint distribution of given and true labels,
and returns the items whose labels it counts as likely errors, ranked by the model's
probability for the given label (lowest first). Only `bot.flows.model_upkeep` calls this.

It runs in a process with many threads (the server's, the scheduler's), so cleanlab must not
fork: left to itself it starts a `multiprocessing.Pool` with one process per core, and a
child forked while another thread holds a lock (logging's, the allocator's) can wait for it
forever, and the training run with it. One process is fast enough: the pruning is O(n).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_CLEANLAB_GLOBALS = threading.Lock()


@dataclass(frozen=True)
class Suspect:
    """Row `row` of the training set: its label's probability, and the model's own choice."""

    row: int
    given: str
    given_probability: float
    suggested: str
    suggested_probability: float


def suspects(
    labels: Sequence[str], classes: Sequence[str], out_of_sample: npt.NDArray[np.float64]
) -> list[Suspect]:
    """Likely label errors, most likely first."""
    from cleanlab.filter import find_label_issues

    index = {label: i for i, label in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    if len(set(y.tolist())) < 2:
        return []
    with _CLEANLAB_GLOBALS:  # with one job, cleanlab keeps its working arrays in module globals
        ranked = find_label_issues(
            labels=y,
            pred_probs=out_of_sample,
            return_indices_ranked_by="self_confidence",
            n_jobs=1,
        )
    found = []
    for row in ranked:
        probabilities = out_of_sample[int(row)]
        best = int(probabilities.argmax())
        found.append(
            Suspect(
                row=int(row),
                given=labels[int(row)],
                given_probability=round(float(probabilities[y[int(row)]]), 4),
                suggested=classes[best],
                suggested_probability=round(float(probabilities[best]), 4),
            )
        )
    return found
