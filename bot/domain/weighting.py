"""Answers weighted by who gave them: a project's Dawid–Skene model, fitted off the click path
and used on every answer to score that one item.

A fit (the scheduler's job, `refit`) reads every current sure answer, estimates each
annotator's confusion matrix and stores it as the project's next model version. A click
scores its item from the stored model (`item_posterior`): a few microseconds, with the model
cached per process and its version re-checked every `RECHECK_SECONDS`, so a refit reaches
every process within seconds. Before the first fit every annotator counts as a typical one
(`COLD_ACCURACY`), which makes the rule a cautious majority vote.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from bot.metrics.dawid_skene import Answers, DawidSkeneModel, fit, score_item
from bot.projects.spec import ProjectSpec
from storage import consensus_models

#: EM rounds of a fit. crowd-kit's stopping rule can end EM short of its fixed point, which
#: matters for decisions at 0.99, so every fit runs its rounds in full (`tol=-inf`).
FIT_ROUNDS = 60
#: A Dirichlet(1) pseudo-count per confusion cell: an (true, given) pair not seen yet is
#: unlikely, not impossible, so one answer never makes a posterior near-certain on its own.
SMOOTHING = 1.0
#: Before the first fit, each answer is right with this chance (errors spread evenly).
COLD_ACCURACY = 0.75
#: Refit once this many new sure answers arrived since the last fit (or the first fit once
#: a project has this many answers).
REFIT_EVERY = 50
RECHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Compiled:
    """A stored model ready for scoring: label and annotator codes, the numpy model."""

    version: int
    labels: list[str]
    annotators: dict[str, int]
    model: DawidSkeneModel


def cold_model(labels: Sequence[str]) -> Compiled:
    """The model before any fit: no annotator known, every one of `COLD_ACCURACY`."""
    k = len(labels)
    confusion = np.full((1, k, k), (1 - COLD_ACCURACY) / (k - 1))
    confusion[0][np.diag_indices(k)] = COLD_ACCURACY
    model = DawidSkeneModel(
        posteriors=np.zeros((0, k)),
        priors=np.full(k, 1.0 / k),
        confusion=confusion,
        accuracy=np.array([COLD_ACCURACY]),
        answer_counts=np.array([1]),
        iterations=0,
        stopped_early=False,
        elbo=0.0,
    )
    # The placeholder annotator 0 has no id: every real annotator is unknown to the model and
    # gets its default confusion, built from the placeholder's accuracy.
    return Compiled(0, list(labels), {}, model)


def compile_params(version: int, params: dict[str, Any]) -> Compiled:
    """Rebuild a stored model (see `refit` for what `params` holds)."""
    labels = list(params["labels"])
    annotators = {who: code for code, who in enumerate(params["annotators"])}
    model = DawidSkeneModel(
        posteriors=np.zeros((0, len(labels))),
        priors=np.array(params["priors"], dtype=np.float64),
        confusion=np.array(params["confusion"], dtype=np.float64),
        accuracy=np.array(params["accuracy"], dtype=np.float64),
        answer_counts=np.array(params["answer_counts"], dtype=np.int64),
        iterations=int(params["iterations"]),
        stopped_early=False,
        elbo=float(params.get("elbo", 0.0)),
    )
    return Compiled(version, labels, annotators, model)


class _Cache:
    """Compiled models per project, re-checked against the stored version now and then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[float, Compiled]] = {}

    def get(self, session: Session, project_id: int, labels: Sequence[str]) -> Compiled:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(project_id)
        if entry is not None and now - entry[0] < RECHECK_SECONDS:
            return entry[1]
        version = consensus_models.latest_version(session, project_id)
        if entry is not None and entry[1].version == (version or 0):
            compiled = entry[1]
        elif version is None:
            compiled = cold_model(labels)
        else:
            row = consensus_models.latest(session, project_id)
            compiled = compile_params(row.version, row.params) if row else cold_model(labels)
        with self._lock:
            self._entries[project_id] = (now, compiled)
        return compiled

    def forget(self, project_id: int | None = None) -> None:
        with self._lock:
            if project_id is None:
                self._entries.clear()
            else:
                self._entries.pop(project_id, None)


MODELS = _Cache()


def current_model(session: Session, project_id: int, spec: ProjectSpec) -> Compiled:
    return MODELS.get(session, project_id, spec.task.choice_values)


def posterior(compiled: Compiled, answers: Sequence[tuple[str, Any]]) -> list[float]:
    """P(true label) for one item from its (annotator, value) sure answers, in label order.

    An annotator the model does not know yet (joined after the last fit) counts as a typical
    one; a value that is not one of the labels (a changed spec) is no vote.
    """
    index = {label: code for code, label in enumerate(compiled.labels)}
    unknown = compiled.model.n_annotators
    coded = [
        (compiled.annotators.get(who, unknown), index[value])
        for who, value in answers
        if isinstance(value, str) and value in index
    ]
    return [float(p) for p in score_item(compiled.model, coded)]


def item_posterior(
    session: Session, project_id: int, spec: ProjectSpec, answers: Sequence[tuple[str, Any]]
) -> tuple[list[str], list[float]]:
    """(labels, posterior) of one item under the project's current model: run per answer."""
    compiled = current_model(session, project_id, spec)
    return compiled.labels, posterior(compiled, answers)


@dataclass(frozen=True)
class FitSummary:
    version: int
    answers: int
    items: int
    accuracy: dict[str, float]
    answer_counts: dict[str, int]


def due_for_refit(session: Session, project_id: int) -> bool:
    """Enough new sure answers since the last fit (or enough for a first one)."""
    row = consensus_models.latest(session, project_id)
    answers = consensus_models.count_sure_answers(session, project_id)
    return answers - (row.answers if row else 0) >= REFIT_EVERY


@dataclass(frozen=True)
class FitInput:
    """A project's sure answers, coded for a fit: read in one snapshot, fitted outside it."""

    labels: list[str]
    annotators: list[str]
    triples: list[tuple[int, int, int]]
    gold: dict[int, int]
    items: int


def load_fit_input(session: Session, project_id: int, spec: ProjectSpec) -> FitInput | None:
    """Every current sure answer (and gold answer) of the project; None without answers."""
    labels = spec.task.choice_values
    label_code = {json.dumps(label): code for code, label in enumerate(labels)}
    item_code: dict[int, int] = {}
    annotator_code: dict[str, int] = {}
    triples: list[tuple[int, int, int]] = []
    for item_id, who, raw in consensus_models.sure_answers(session, project_id):
        label = label_code.get(raw)
        if label is None:
            continue  # a value the task no longer offers
        item = item_code.setdefault(item_id, len(item_code))
        annotator = annotator_code.setdefault(who, len(annotator_code))
        triples.append((item, annotator, label))
    if not triples:
        return None
    gold = {
        item_code[item_id]: label_code[raw]
        for item_id, raw in consensus_models.gold_answers(session, project_id).items()
        if item_id in item_code and raw in label_code
    }
    return FitInput(labels, list(annotator_code), triples, gold, len(item_code))


def fit_params(data: FitInput) -> dict[str, Any]:
    """Fit Dawid–Skene (no database): what `compile_params` rebuilds the model from."""
    model = fit(
        Answers.from_triples(data.triples),
        len(data.labels),
        data.gold,
        n_iter=FIT_ROUNDS,
        tol=float("-inf"),
        smoothing=SMOOTHING,
    )
    return {
        "labels": data.labels,
        "annotators": data.annotators,
        "priors": model.priors.tolist(),
        "confusion": model.confusion.tolist(),
        "accuracy": model.accuracy.tolist(),
        "answer_counts": model.answer_counts.tolist(),
        "iterations": model.iterations,
        "elbo": model.elbo,
    }


def store_fit(
    session: Session, project_id: int, data: FitInput, params: dict[str, Any], now: datetime
) -> FitSummary:
    """Store the fit as the project's next model version (every process picks it up)."""
    row = consensus_models.store(
        session, project_id, answers=len(data.triples), items=data.items, params=params, now=now
    )
    MODELS.forget(project_id)
    return FitSummary(
        version=row.version,
        answers=len(data.triples),
        items=data.items,
        accuracy=dict(zip(data.annotators, params["accuracy"], strict=True)),
        answer_counts=dict(zip(data.annotators, params["answer_counts"], strict=True)),
    )


def refit(session: Session, project_id: int, spec: ProjectSpec, now: datetime) -> FitSummary | None:
    """Load, fit and store in one session (tests and benches; the scheduler splits the steps
    so no write transaction is held while EM runs)."""
    data = load_fit_input(session, project_id, spec)
    return None if data is None else store_fit(session, project_id, data, fit_params(data), now)


def overused_label(compiled: Compiled, annotator: str) -> tuple[str, float] | None:
    """The label this annotator gives most beyond its true share, and by how many times
    (given share / prior), when that is at least 1.25x; None for unknown annotators."""
    code = compiled.annotators.get(annotator)
    if code is None:
        return None
    priors = compiled.model.priors
    given = priors @ compiled.model.confusion[code]  # P(annotator gives g)
    ratios = given / np.maximum(priors, 1e-12)
    top = int(np.argmax(ratios))
    return (compiled.labels[top], float(ratios[top])) if ratios[top] >= 1.25 else None
