"""Dawid–Skene aggregation (Dawid & Skene 1979) on numpy: each item's posterior over labels and
each annotator's confusion matrix, from integer-coded answers. No database, no Slack.

It reproduces `crowdkit.aggregation.DawidSkene` (crowd-kit 1.4), which the tests check it
against, so its choices are crowd-kit's unless a docstring says otherwise:

- initialisation: majority vote as vote shares per item (not an argmax), gold clamped, then one
  M-step;
- each EM round: E-step, gold clamped, priors = mean posterior, M-step, then stop once crowd-kit's
  evidence lower bound per answer grows by less than `tol` (or after `n_iter` rounds). That bound
  counts the log prior once per answer, so it is not what EM maximises and can dip: EM may stop
  well short of a fixed point (on a simulated crowd of 300 items, after 18 rounds, one posterior
  still 0.08 off, though no argmax differs). `tol=-inf` runs exactly `n_iter` rounds, for
  callers that want the fixed point;
- no smoothing: confusion counts are clipped at 1e-10 before normalising, over the labels the
  annotator actually gave; priors are clipped at 1e-10 before taking logs.

"Unsure" answers are the caller's business: they are no vote, so they are simply not passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EPS = 1e-10
"""crowd-kit's floor for confusion counts, priors and (in the bound) posteriors."""


def _read_only(array: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Answers:
    """Answers as three equally long integer arrays: the i-th answer is annotator `annotators[i]`
    giving label `labels[i]` to item `items[i]`. Items and annotators must be coded 0..n-1 with
    every code used (the caller numbers what it passes); labels are 0..n_labels-1."""

    items: IntArray
    annotators: IntArray
    labels: IntArray

    def __post_init__(self) -> None:
        for name in ("items", "annotators", "labels"):
            array = np.array(getattr(self, name), dtype=np.int64)  # a copy: callers keep theirs
            if array.ndim != 1:
                raise ValueError(f"{name} must be one-dimensional")
            if array.size and array.min() < 0:
                raise ValueError(f"{name} must not be negative")
            object.__setattr__(self, name, _read_only(array))
        if not len(self.items) == len(self.annotators) == len(self.labels):
            raise ValueError("items, annotators and labels must have the same length")

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[int, int, int]]) -> Answers:
        """From (item, annotator, label) triples."""
        array = np.array(list(triples), dtype=np.int64).reshape(-1, 3)
        return cls(array[:, 0], array[:, 1], array[:, 2])

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, eq=False)
class DawidSkeneModel:
    """A fitted model; arrays are read-only. `confusion[a, t, g]` is the probability that
    annotator `a` gives label `g` when the true label is `t` (rows sum to 1; crowd-kit's
    `errors_` is the same table transposed, indexed by (annotator, given label), columns true).

    `accuracy[a]` is the expected share of `a`'s answers that are correct: the mean over `a`'s
    answers of the posterior of the label given, which equals the diagonal of `a`'s confusion
    weighted by the true classes of the items `a` answered. crowd-kit's DawidSkene reports no
    accuracy; this is how its OneCoinDawidSkene defines a skill. It is not weighted by the global
    priors, because a class the annotator never met would count as a wrong answer.
    """

    posteriors: FloatArray  # (n_items, n_labels), from the last E-step, gold rows one-hot
    priors: FloatArray  # (n_labels,)
    confusion: FloatArray  # (n_annotators, n_labels, n_labels)
    accuracy: FloatArray  # (n_annotators,)
    answer_counts: IntArray  # (n_annotators,)
    iterations: int  # EM rounds run, as crowd-kit's len(loss_history_)
    stopped_early: bool  # the tol rule ended EM before n_iter rounds (not a proof of convergence)
    elbo: float  # crowd-kit's evidence lower bound per answer after the last round
    default_accuracy: float = field(init=False)
    log_priors: FloatArray = field(init=False, repr=False)
    log_confusion: FloatArray = field(init=False, repr=False)
    default_log_confusion: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Cache what score_item needs, so a click costs a few lookups and one softmax.

        An annotator the model has not seen gets a symmetric confusion whose diagonal is the
        known annotators' accuracy averaged over their answers (the chance that an answer in the
        data is right): a newcomer counts as a typical annotator until the next fit.
        """
        for name in ("posteriors", "priors", "confusion", "accuracy", "answer_counts"):
            _read_only(getattr(self, name))
        n_labels = len(self.priors)
        weights = self.answer_counts / self.answer_counts.sum()
        mean = float(np.clip(weights @ self.accuracy, EPS, 1.0 - EPS))
        default = np.full((n_labels, n_labels), (1.0 - mean) / (n_labels - 1))
        np.fill_diagonal(default, mean)
        object.__setattr__(self, "default_accuracy", mean)
        object.__setattr__(self, "log_priors", _read_only(np.log(self.priors)))
        object.__setattr__(self, "log_confusion", _read_only(np.log(self.confusion)))
        object.__setattr__(self, "default_log_confusion", _read_only(np.log(default)))

    @property
    def n_labels(self) -> int:
        return len(self.priors)

    @property
    def n_annotators(self) -> int:
        return len(self.confusion)


def fit(
    answers: Answers,
    n_labels: int,
    gold: Mapping[int, int] | None = None,
    *,
    n_iter: int = 100,
    tol: float = 1e-5,
    smoothing: float = 0.0,
) -> DawidSkeneModel:
    """Fit Dawid–Skene by EM; defaults are crowd-kit's (`n_iter=100`, `tol=1e-5`).

    `gold` maps item -> true label; those items' posteriors are clamped to one-hot after the
    initialisation and after every E-step, so a gold answer fixes the true label and teaches the
    confusion matrices. `smoothing` > 0 adds that pseudo-count to every confusion cell in every
    M-step (a Dirichlet prior): a deviation from crowd-kit, off by default, for callers who
    would rather not let one unseen (true, given) pair count as near-impossible.
    """
    if n_labels < 2:
        raise ValueError("n_labels must be at least 2")
    if len(answers) == 0:
        raise ValueError("no answers to fit")
    if smoothing < 0:
        raise ValueError("smoothing must not be negative")
    items, annotators, labels = answers.items, answers.annotators, answers.labels
    n_items = _dense_count(items, "item")
    n_annotators = _dense_count(annotators, "annotator")
    if labels.max() >= n_labels:
        raise ValueError(f"label {int(labels.max())} is not below n_labels={n_labels}")
    gold_items, gold_labels = _gold_arrays(gold, n_items, n_labels)
    cells = annotators * n_labels + labels  # flat (annotator, given label) cell of each answer
    answer_counts = np.bincount(annotators, minlength=n_annotators)
    given = np.bincount(cells, minlength=n_annotators * n_labels).reshape(-1, 1, n_labels) > 0

    def m_step(posteriors: FloatArray) -> FloatArray:
        rows = posteriors[items]
        counts = np.stack(
            [_sum_by(cells, rows[:, t], n_annotators * n_labels) for t in range(n_labels)]
        ).reshape(n_labels, n_annotators, n_labels)
        counts = counts.transpose(1, 0, 2)  # (annotator, true, given)
        if smoothing > 0:
            counts = counts + smoothing
        else:  # crowd-kit: clip at EPS, normalise over the labels the annotator gave
            counts = np.where(given, np.maximum(counts, EPS), 0.0)
        normalised: FloatArray = counts / counts.sum(axis=2, keepdims=True)
        return normalised

    posteriors = np.zeros((n_items, n_labels))
    np.add.at(posteriors, (items, labels), 1.0)
    posteriors /= posteriors.sum(axis=1, keepdims=True)
    posteriors[gold_items] = np.eye(n_labels)[gold_labels]
    priors = posteriors.mean(axis=0)
    confusion = m_step(posteriors)
    elbo, iterations, stopped_early = -np.inf, 0, False
    for _ in range(n_iter):
        log_priors = np.log(np.maximum(priors, EPS))
        log_likelihoods = np.log(confusion[annotators, :, labels])  # (n_answers, n_labels)
        scores = np.stack(
            [_sum_by(items, log_likelihoods[:, t], n_items) for t in range(n_labels)], axis=1
        )
        posteriors = _softmax_rows(scores + log_priors)
        posteriors[gold_items] = np.eye(n_labels)[gold_labels]
        priors = posteriors.mean(axis=0)
        confusion = m_step(posteriors)
        new_elbo = _crowdkit_elbo(posteriors, priors, confusion, answers)
        iterations += 1
        settled, elbo = new_elbo - elbo < tol, new_elbo
        if settled:
            stopped_early = iterations < n_iter
            break

    if smoothing == 0:
        # Labels the annotator never gave get EPS (rows renormalised): score_item may meet such
        # an answer, which then carries almost no information instead of log(0).
        confusion = np.where(given, confusion, EPS)
        confusion /= confusion.sum(axis=2, keepdims=True)
    correct = _sum_by(annotators, posteriors[items, labels], n_annotators)
    return DawidSkeneModel(
        posteriors=posteriors,
        priors=np.maximum(priors, EPS),
        confusion=confusion,
        accuracy=correct / answer_counts,
        answer_counts=answer_counts,
        iterations=iterations,
        stopped_early=stopped_early,
        elbo=float(elbo),
    )


def score_item(
    model: DawidSkeneModel, answers: Iterable[tuple[int, int]], gold: int | None = None
) -> FloatArray:
    """Posterior over labels for one item from its (annotator, label) answers, with the model's
    cached priors and confusion matrices (no refit): the E-step for one item, in log space, a
    few microseconds for a handful of answers.

    Annotators coded at or past `model.n_annotators` are unknown to the model and get its
    default confusion (see DawidSkeneModel). A gold label returns its one-hot, as in fit.
    """
    n_labels = model.n_labels
    if gold is not None:
        if not 0 <= gold < n_labels:
            raise ValueError(f"gold label {gold} is not in 0..{n_labels - 1}")
        one_hot: FloatArray = np.zeros(n_labels)
        one_hot[gold] = 1.0
        return one_hot
    log_posterior = model.log_priors.copy()
    known = model.n_annotators
    for annotator, label in answers:
        if annotator < 0 or not 0 <= label < n_labels:
            raise ValueError(f"bad answer (annotator {annotator}, label {label})")
        table = model.log_confusion[annotator] if annotator < known else model.default_log_confusion
        log_posterior += table[:, label]
    posterior: FloatArray = np.exp(log_posterior - log_posterior.max())
    posterior /= posterior.sum()
    return posterior


def _sum_by(codes: IntArray, weights: FloatArray, length: int) -> FloatArray:
    """Sum of `weights` per code: np.bincount, whose stubs do not know weights give floats."""
    return np.bincount(codes, weights, length).astype(np.float64, copy=False)


def _dense_count(codes: IntArray, what: str) -> int:
    """How many codes there are, checking that every code from 0 to the largest is used."""
    count = int(codes.max()) + 1
    used = np.bincount(codes, minlength=count) > 0
    if not used.all():
        raise ValueError(f"{what} {int(np.argmin(used))} has no answers: code {what}s densely")
    return count


def _gold_arrays(
    gold: Mapping[int, int] | None, n_items: int, n_labels: int
) -> tuple[IntArray, IntArray]:
    pairs = sorted((gold or {}).items())
    gold_items = np.array([item for item, _ in pairs], dtype=np.int64)
    gold_labels = np.array([label for _, label in pairs], dtype=np.int64)
    for item, label in pairs:
        if not 0 <= item < n_items or not 0 <= label < n_labels:
            raise ValueError(f"gold (item {item}, label {label}) is out of range")
    return gold_items, gold_labels


def _softmax_rows(scores: FloatArray) -> FloatArray:
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    normalised: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return normalised


def _crowdkit_elbo(
    posteriors: FloatArray, priors: FloatArray, confusion: FloatArray, answers: Answers
) -> float:
    """crowd-kit's stopping criterion, quirks kept so the iteration counts agree: the log prior
    is counted once per answer (not once per item) and posteriors are floored at EPS for the
    entropy; the sum is divided by the number of answers."""
    rows = posteriors[answers.items]
    log_joint = np.log(confusion[answers.annotators, :, answers.labels])
    log_joint += np.log(np.maximum(priors, EPS))
    floored = np.maximum(posteriors, EPS)
    entropy = -float((floored * np.log(floored)).sum())
    return (float((rows * log_joint).sum()) + entropy) / len(answers)
