"""`text-logreg`: the project's own text classifier, and the cross-validated probabilities that
both its figures and the label-error search are computed from.

TF-IDF of word 1–2-grams and character 2–5-grams (within words), each capped at 100,000
features seen in at least two items, feeds a multinomial logistic regression. Its
probabilities are calibrated by temperature scaling (Guo et al., 2017): one temperature fitted
to the cross-validated scores, so calibration costs no extra model fits.

Only decided labels are training data (undecided items have no label to learn). Out-of-sample
probabilities come from stratified k-fold cross-validation: each decided item is scored by a
regression that never saw its label, which is what cleanlab needs and what makes the accuracy
honest. The features are computed once per run and shared by the folds: the vocabulary and
the IDF weights are fitted on the texts alone, never on a label, and computing them per fold
cost as much again as all the regressions. The regression is solved by Newton-CG: the same
optimum as L-BFGS in about 7 steps instead of 40–60, in half the time or less
(bench/README.md, "Model in the loop").
scikit-learn is imported here only: the rest of the bot runs without the `model` extra.
"""

from __future__ import annotations

import io
import pickle
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_FOLDS = 5
#: Above this many labels, 3 folds: the estimate barely moves and training costs 40% less.
FEWER_FOLDS_ABOVE = 20_000
MAX_FEATURES = 100_000


class TrainingTimeout(Exception):
    """The run went past `max_train_seconds`; nothing was stored."""


class NotEnoughLabels(Exception):
    """Fewer than two classes, or too few examples to cross-validate."""


@dataclass(frozen=True)
class TrainingSet:
    """Decided items, newest last: ids, the text the model reads, the decided label."""

    item_ids: list[int]
    texts: list[str]
    labels: list[str]


@dataclass(frozen=True)
class Trained:
    model: TextModel
    classes: list[str]
    #: Row i: the probability of each class for item i, from a model that did not see it.
    out_of_sample: npt.NDArray[np.float64]
    metrics: dict[str, Any]


class TextModel:
    """The fitted pipeline and its temperature: `predict_proba` is calibrated."""

    def __init__(self, pipeline: Any, temperature: float) -> None:
        self.pipeline = pipeline
        self.temperature = temperature

    @property
    def classes_(self) -> Any:
        return self.pipeline.classes_

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        return _softmax(_logits(self.pipeline, texts) / self.temperature)


def _features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    def tfidf(**analyzer: Any) -> Any:
        return TfidfVectorizer(
            min_df=2, max_features=MAX_FEATURES, sublinear_tf=True, dtype=np.float32, **analyzer
        )

    return FeatureUnion(
        [
            ("words", tfidf(analyzer="word", ngram_range=(1, 2))),
            ("chars", tfidf(analyzer="char_wb", ngram_range=(2, 5))),
        ]
    )


def _regression() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=4.0, solver="newton-cg", max_iter=300)


def _logits(pipeline: Any, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    return _scores(pipeline.decision_function(list(texts)))


def _scores(decision: Any) -> npt.NDArray[np.float64]:
    scores = np.asarray(decision, dtype=np.float64)
    if scores.ndim == 1:  # two classes: one score, the second class's log-odds
        scores = np.column_stack([np.zeros_like(scores), scores])
    return scores


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def _temperature(logits: npt.NDArray[np.float64], y: npt.NDArray[np.int_]) -> float:
    """The temperature that minimises the log-loss of the out-of-sample scores."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(y))

    def loss(log_t: float) -> float:
        probabilities = _softmax(logits / np.exp(log_t))
        return float(-np.log(np.clip(probabilities[rows, y], 1e-12, None)).mean())

    found = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(found.x))


def _folds(counts: Counter[str], distinct: Counter[str]) -> int:
    """How many folds: `counts` are the labels, `distinct` the labels of distinct texts."""
    if len(counts) < 2:
        raise NotEnoughLabels("the decided labels are all one class; nothing to tell apart")
    rare = sorted(label for label in counts if distinct[label] < 2)
    if rare:
        raise NotEnoughLabels(
            f"too few examples (distinct texts) to cross-validate: {', '.join(rare)}"
        )
    most = 3 if sum(counts.values()) > FEWER_FOLDS_ABOVE else MAX_FOLDS
    return min(most, min(distinct.values()))


def _same_text(texts: Sequence[str]) -> npt.NDArray[np.int_]:
    """A group number per text, shared by texts equal but for case and whitespace."""
    groups: dict[str, int] = {}
    return np.array([groups.setdefault(" ".join(t.casefold().split()), len(groups)) for t in texts])


def _fold_per_row(
    groups: npt.NDArray[np.int_],
    first: npt.NDArray[np.int_],
    y: npt.NDArray[np.int_],
    folds: int,
    seed: int,
) -> npt.NDArray[np.int_]:
    """Stratified folds of the distinct texts (group g's first row is `first[g]`, its label
    stratifies), so copies of a text share a fold: a model never scores a text it was trained
    on, whose copy's label it would only repeat. Without copies these are StratifiedKFold's
    folds of the rows."""
    from sklearn.model_selection import StratifiedKFold

    fold_of_group = np.empty(len(first), dtype=np.int_)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (_, test) in enumerate(splitter.split(np.zeros(len(first)), y[first])):
        fold_of_group[test] = fold
    return np.asarray(fold_of_group[groups])


def train(data: TrainingSet, *, max_seconds: float, seed: int = 0) -> Trained:
    """Cross-validate, calibrate, then fit on every label, on one BLAS thread. Raises
    TrainingTimeout past `max_seconds` (checked after each fit) and NotEnoughLabels when the
    labels cannot be learned yet.

    One thread: on 2 cores a second OpenBLAS thread made the regression 1.7x slower in wall
    time and 2x in CPU (bench/README.md, "Model in the loop"), and it would compete with the
    process serving Slack."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train(data, max_seconds=max_seconds, seed=seed)


def _train(data: TrainingSet, *, max_seconds: float, seed: int) -> Trained:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import Pipeline

    started = time.monotonic()

    def check_time() -> None:
        if time.monotonic() - started > max_seconds:
            raise TrainingTimeout(f"training passed {max_seconds:.0f} s (model.max_train_seconds)")

    counts = Counter(data.labels)
    groups = _same_text(data.texts)
    first = np.unique(groups, return_index=True)[1]  # group numbers are 0, 1, ... in order
    folds = _folds(counts, Counter(data.labels[int(row)] for row in first))
    classes = sorted(counts)
    index = {label: i for i, label in enumerate(classes)}
    y = np.array([index[label] for label in data.labels])
    features = _features()
    x = features.fit_transform(data.texts).tocsr()  # float32: half the memory of float64
    check_time()
    logits = np.full((len(y), len(classes)), -1e3)  # a class a fold never saw: no chance
    fold_of_row = _fold_per_row(groups, first, y, folds, seed)
    for each in range(folds):
        train_rows, test_rows = (
            np.flatnonzero(fold_of_row != each),
            np.flatnonzero(fold_of_row == each),
        )
        fold = _regression().fit(x[train_rows], y[train_rows])
        logits[np.ix_(test_rows, fold.classes_)] = _scores(fold.decision_function(x[test_rows]))
        check_time()
    temperature = _temperature(logits, y)
    out_of_sample = _softmax(logits / temperature)
    pipeline = Pipeline([("features", features), ("classifier", _regression().fit(x, y))])
    model = TextModel(pipeline, temperature)
    check_time()
    predicted = out_of_sample.argmax(axis=1)
    metrics = {
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
        "folds": folds,
        "distinct_texts": len(first),
        "temperature": round(temperature, 4),
        "seconds": round(time.monotonic() - started, 2),
        "per_class": {label: counts[label] for label in classes},
    }
    return Trained(model, classes, out_of_sample, metrics)


def predict(
    model: TextModel, classes: Sequence[str], texts: Sequence[str]
) -> list[tuple[str, float]]:
    """(most likely label, its calibrated probability) per text."""
    if not texts:
        return []
    probabilities = model.predict_proba(texts)
    best = probabilities.argmax(axis=1)
    columns = [classes[int(c)] for c in model.classes_]
    return [
        (columns[int(b)], round(float(row[b]), 4))
        for b, row in zip(best, probabilities, strict=True)
    ]


def dump(model: TextModel) -> bytes:
    buffer = io.BytesIO()
    pickle.dump(model, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def load(blob: bytes) -> TextModel:
    """The model this application stored (never bytes from outside its own database)."""
    model = pickle.loads(blob)  # noqa: S301 - written by `dump` into our own database
    if not isinstance(model, TextModel):
        raise TypeError("the stored model is not a TextModel")
    return model
