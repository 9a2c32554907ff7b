"""The project's model, trained: its cross-validated figures are honest.

Labeling data often holds the same text more than once (a retweet, a pasted template, an item
imported twice under two ids). A model that saw one copy in training repeats its label on the
other, so cross-validation that splits copies apart reports the model as better than it is,
and the label-error search trusts it more than it should.
"""

from __future__ import annotations

import random

import pytest

from bot.model.training import NotEnoughLabels, TrainingSet, train

WORDS = [f"w{n}" for n in range(2_000)]


def noise(rows: int, seed: int) -> tuple[list[str], list[str]]:
    """Texts of random words with random labels: nothing a model can learn."""
    rng = random.Random(seed)
    texts = [" ".join(rng.sample(WORDS, 8)) for _ in range(rows)]
    return texts, [rng.choice(["a", "b"]) for _ in texts]


def trained(texts: list[str], labels: list[str]) -> dict[str, object]:
    return train(TrainingSet(list(range(len(texts))), texts, labels), max_seconds=60).metrics


def test_copies_of_a_text_never_score_each_other() -> None:
    texts, labels = noise(150, seed=1)
    # Every text twice, once in capitals with other spacing: still the same text.
    copies = [f"  {t.upper()} " for t in texts]

    metrics = trained(texts + copies, labels + labels)

    assert metrics["distinct_texts"] == 150
    assert float(str(metrics["accuracy"])) < 0.65, "a copy in training would score ~90%"


def test_without_copies_every_row_is_its_own_text() -> None:
    texts, labels = noise(150, seed=2)

    metrics = trained(texts, labels)

    assert metrics["distinct_texts"] == 150 and metrics["folds"] == 5


def test_a_label_given_only_to_copies_of_one_text_cannot_be_learned_yet() -> None:
    texts, labels = noise(60, seed=3)
    texts += ["the only rare one", "The only  rare one"]
    labels += ["rare", "rare"]

    with pytest.raises(NotEnoughLabels, match=r"too few examples \(distinct texts\).*: rare"):
        trained(texts, labels)
