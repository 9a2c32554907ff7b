"""Dawid–Skene aggregation (bot/metrics/dawid_skene.py): it agrees with Toloka's crowd-kit on the
same answers, gold fixes true labels, one item scores from the cached model as the fit does, and
a spammer shows up with a low accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene

from bot.metrics.dawid_skene import Answers, DawidSkeneModel, fit, score_item

# Issue 13: posteriors and annotator figures within 1e-3 of crowd-kit's.
CROWDKIT_ATOL = 1e-3
SPAMMER = None  # an annotator who always gives label 0, whatever the item

# crowd-kit 1.4 uses pandas' `inplace=` and `copy=`, which pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:crowdkit")


def simulate_crowd(
    seed: int,
    n_items: int,
    accuracies: list[float | None],
    n_labels: int = 3,
    overlap: tuple[int, int] = (3, 3),
    class_weights: list[float] | None = None,
    volume: list[float] | None = None,
) -> tuple[Answers, np.ndarray]:
    """Answers of annotators with known accuracies (wrong answers uniform over the other
    labels). Each item gets between overlap[0] and overlap[1] answers from distinct annotators,
    drawn in proportion to `volume`. Returns the answers and the true labels."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(n_labels, size=n_items, p=class_weights)
    share = np.ones(len(accuracies)) if volume is None else np.asarray(volume, dtype=float)
    share = share / share.sum()
    triples = []
    for item in range(n_items):
        size = int(rng.integers(overlap[0], overlap[1] + 1))
        for annotator in rng.choice(len(accuracies), size=size, replace=False, p=share):
            accuracy = accuracies[annotator]
            if accuracy is SPAMMER:
                label = 0
            elif rng.random() < accuracy:
                label = int(truth[item])
            else:
                label = int((truth[item] + rng.integers(1, n_labels)) % n_labels)
            triples.append((item, int(annotator), label))
    return Answers.from_triples(triples), truth


def hand_made() -> Answers:
    """Six items, four annotators, three labels: annotator 3 disagrees often, item 5 is a tie."""
    return Answers.from_triples(
        [
            (0, 0, 0), (0, 1, 0), (0, 2, 0), (0, 3, 1),
            (1, 0, 1), (1, 1, 1), (1, 3, 2),
            (2, 0, 2), (2, 1, 2), (2, 2, 1), (2, 3, 2),
            (3, 1, 0), (3, 2, 0), (3, 3, 2),
            (4, 0, 1), (4, 2, 1), (4, 3, 0),
            (5, 0, 2), (5, 3, 0),
        ]
    )  # fmt: skip


CROWD = [0.95, 0.90, 0.85, 0.80, 0.70, SPAMMER]


def simulated_crowd() -> Answers:
    """300 three-class items at overlap 3, the crowd of issue 13 (five honest, one spammer)."""
    return simulate_crowd(seed=13, n_items=300, accuracies=CROWD)[0]


def uneven_overlap() -> Answers:
    """Four unbalanced classes; 1 to 6 answers per item; annotators with very different volumes,
    and one more who answered a single item."""
    answers, _ = simulate_crowd(
        seed=7,
        n_items=250,
        accuracies=[0.9, 0.75, 0.6, 0.85, 0.5, SPAMMER, 0.95],
        n_labels=4,
        overlap=(1, 6),
        class_weights=[0.55, 0.25, 0.15, 0.05],
        volume=[10, 6, 4, 3, 2, 2, 1],
    )
    return Answers(
        np.append(answers.items, 0),
        np.append(answers.annotators, answers.annotators.max() + 1),
        np.append(answers.labels, 3),
    )


DATASETS = {
    "hand-made": (hand_made, 3),
    "crowd": (simulated_crowd, 3),
    "uneven": (uneven_overlap, 4),
}


def crowdkit_fit(
    answers: Answers, gold: dict[int, int] | None, n_iter: int, tol: float
) -> DawidSkene:
    data = pd.DataFrame(
        {"task": answers.items, "worker": answers.annotators, "label": answers.labels}
    )
    true_labels = None if gold is None else pd.Series(gold)
    return DawidSkene(n_iter=n_iter, tol=tol).fit(data, true_labels=true_labels)


def assert_matches_crowdkit(
    model: DawidSkeneModel, reference: DawidSkene, answers: Answers, n_labels: int
) -> None:
    assert len(set(answers.labels.tolist())) == n_labels, "every label must occur in the data"
    probas = reference.probas_.sort_index().reindex(columns=range(n_labels)).to_numpy()
    np.testing.assert_allclose(model.posteriors, probas, atol=CROWDKIT_ATOL, rtol=0)
    priors = reference.priors_.reindex(range(n_labels)).to_numpy()
    np.testing.assert_allclose(model.priors, priors, atol=CROWDKIT_ATOL, rtol=0)
    # crowd-kit's errors_ has a row per (annotator, label given) pair that occurs, columns true.
    for (annotator, given), row in reference.errors_.iterrows():
        expected = row.reindex(range(n_labels)).to_numpy()
        actual = model.confusion[annotator, :, given]
        np.testing.assert_allclose(actual, expected, atol=CROWDKIT_ATOL, rtol=0)
    # Accuracy as defined in DawidSkeneModel, computed from crowd-kit's posteriors.
    given_posterior = probas[answers.items, answers.labels]
    for annotator in range(model.n_annotators):
        mine = answers.annotators == annotator
        assert model.accuracy[annotator] == pytest.approx(
            given_posterior[mine].mean(), abs=CROWDKIT_ATOL
        )
    # Same number of EM rounds, ending on the same bound.
    assert model.iterations == len(reference.loss_history_)
    if model.iterations:
        assert model.elbo == pytest.approx(reference.loss_history_[-1], abs=1e-9)


@pytest.mark.parametrize("n_iter", [0, 1, 100], ids=lambda n: f"n_iter={n}")
@pytest.mark.parametrize("name", DATASETS)
def test_matches_crowdkit_dawid_skene(name: str, n_iter: int) -> None:
    """n_iter=0 compares the initialisations (majority-vote shares, then one M-step), n_iter=1
    one EM round, n_iter=100 the fit to convergence with crowd-kit's default tol."""
    make, n_labels = DATASETS[name]
    answers = make()
    model = fit(answers, n_labels, n_iter=n_iter)
    assert_matches_crowdkit(model, crowdkit_fit(answers, None, n_iter, 1e-5), answers, n_labels)
    if n_iter == 100:
        assert model.stopped_early and 2 < model.iterations < 100


@pytest.mark.parametrize("name", ["crowd", "uneven"])
def test_matches_crowdkit_with_gold(name: str) -> None:
    make, n_labels = DATASETS[name]
    answers = make()
    rng = np.random.default_rng(1)
    items = rng.choice(answers.items.max() + 1, size=40, replace=False)
    gold = {int(item): int(rng.integers(n_labels)) for item in items}
    model = fit(answers, n_labels, gold)
    assert_matches_crowdkit(model, crowdkit_fit(answers, gold, 100, 1e-5), answers, n_labels)


def test_matches_crowdkit_with_a_tighter_tolerance() -> None:
    answers = simulated_crowd()
    model = fit(answers, 3, tol=1e-9, n_iter=500)
    assert_matches_crowdkit(model, crowdkit_fit(answers, None, 500, 1e-9), answers, 3)
    assert model.iterations > fit(answers, 3).iterations


def colluders_and_one_honest() -> tuple[Answers, np.ndarray]:
    """Annotators 0 and 1 always answer label 0; annotator 2 always answers the truth."""
    truth = np.array([0, 1, 1, 0, 1, 1, 0, 1, 1, 1])
    triples = [(i, a, 0) for i in range(len(truth)) for a in (0, 1)]
    triples += [(i, 2, int(label)) for i, label in enumerate(truth)]
    return Answers.from_triples(triples), truth


def test_without_gold_the_majority_of_colluders_wins() -> None:
    answers, truth = colluders_and_one_honest()
    model = fit(answers, 2)
    assert (model.posteriors.argmax(axis=1) == 0).all()
    assert model.accuracy[2] < model.accuracy[0]


def test_gold_clamps_its_items_and_teaches_who_is_right() -> None:
    """Gold items are one-hot in the result; what they reveal about the annotators carries over
    to the items without gold."""
    answers, truth = colluders_and_one_honest()
    gold = {1: 1, 2: 1, 4: 1}
    model = fit(answers, 2, gold)
    for item, label in gold.items():
        assert model.posteriors[item].tolist() == [float(label == 0), float(label == 1)]
    rest = [item for item in range(len(truth)) if item not in gold]
    assert (model.posteriors[rest].argmax(axis=1) == truth[rest]).all()
    assert model.accuracy[2] > 0.99 > 0.5 > model.accuracy[0]


def test_gold_must_name_a_known_item_and_label() -> None:
    answers, _ = colluders_and_one_honest()
    with pytest.raises(ValueError, match="gold"):
        fit(answers, 2, {10: 1})
    with pytest.raises(ValueError, match="gold"):
        fit(answers, 2, {0: 2})


def test_accuracy_is_the_mean_posterior_of_the_labels_given() -> None:
    answers = uneven_overlap()
    model = fit(answers, 4)
    given = model.posteriors[answers.items, answers.labels]
    for annotator in range(model.n_annotators):
        expected = given[answers.annotators == annotator].mean()
        assert model.accuracy[annotator] == pytest.approx(expected, abs=1e-9)
    assert model.answer_counts[-1] == 1


def test_recovers_the_spammers_low_accuracy_and_the_honest_ones() -> None:
    answers, truth = simulate_crowd(seed=5, n_items=600, accuracies=CROWD)
    model = fit(answers, 3)
    spammer = CROWD.index(SPAMMER)
    # A spammer is right exactly when the truth happens to be label 0.
    assert model.accuracy[spammer] == pytest.approx((truth == 0).mean(), abs=0.05)
    assert model.accuracy[spammer] < 0.45
    assert (model.confusion[spammer, :, 0] > 0.99).all()  # label 0 whatever the truth
    for annotator, accuracy in enumerate(CROWD):
        if accuracy is not SPAMMER:
            assert model.accuracy[annotator] == pytest.approx(accuracy, abs=0.06)
    assert (model.posteriors.argmax(axis=1) == truth).mean() > 0.9


def answers_of(answers: Answers, item: int) -> list[tuple[int, int]]:
    mine = answers.items == item
    return list(zip(answers.annotators[mine].tolist(), answers.labels[mine].tolist(), strict=True))


def test_score_item_is_the_next_e_step_of_the_fit() -> None:
    """Scoring an item with a model fit for k rounds gives what round k+1 of the fit gives
    (tol=-inf: exactly n_iter rounds); the 1e-10 floors are all that separate them."""
    answers = uneven_overlap()
    for rounds in (0, 3):
        model = fit(answers, 4, n_iter=rounds, tol=-np.inf)
        later = fit(answers, 4, n_iter=rounds + 1, tol=-np.inf)
        for item in range(len(model.posteriors)):
            posterior = score_item(model, answers_of(answers, item))
            np.testing.assert_allclose(posterior, later.posteriors[item], atol=1e-8)


def test_score_item_equals_the_fitted_posterior_once_em_stands_still() -> None:
    """A fit's posteriors come from the E-step before its last M-step, score_item uses the
    parameters after it: the two agree once EM is at a fixed point. crowd-kit's stopping rule
    does not get there (on this crowd it stops after 18 rounds with the two ~5e-3 apart, and its
    bound dips after 32 even at tol=0); EM closes in linearly, so 1000 fixed rounds (tol=-inf)
    bring the gap under 1e-6 (about 3e-7 after 500, 2e-10 after 1000)."""
    answers = simulated_crowd()
    model = fit(answers, 3, n_iter=1000, tol=-np.inf)
    assert model.iterations == 1000 and not model.stopped_early
    for item in range(len(model.posteriors)):
        posterior = score_item(model, answers_of(answers, item))
        np.testing.assert_allclose(posterior, model.posteriors[item], atol=1e-6)
    stopped = fit(answers, 3)
    gaps = [
        np.abs(score_item(stopped, answers_of(answers, item)) - stopped.posteriors[item]).max()
        for item in range(len(stopped.posteriors))
    ]
    assert stopped.stopped_early and max(gaps) > 1e-4


def test_score_item_with_gold_is_one_hot_as_in_the_fit() -> None:
    model = fit(hand_made(), 3)
    assert score_item(model, [(0, 0), (1, 0)], gold=2).tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="gold"):
        score_item(model, [], gold=3)


def test_score_item_with_no_answers_is_the_prior() -> None:
    model = fit(hand_made(), 3)
    np.testing.assert_allclose(score_item(model, []), model.priors, atol=1e-12)


def test_an_unknown_annotator_counts_as_a_typical_one() -> None:
    """A symmetric confusion whose diagonal is the known annotators' answer-weighted accuracy."""
    answers = hand_made()
    model = fit(answers, 3)
    typical = float(model.answer_counts @ model.accuracy / model.answer_counts.sum())
    assert model.default_accuracy == pytest.approx(typical)
    newcomer = model.n_annotators
    likelihood = np.array([(1 - typical) / 2, typical, (1 - typical) / 2])
    expected = model.priors * likelihood / (model.priors * likelihood).sum()
    np.testing.assert_allclose(score_item(model, [(newcomer, 1)]), expected, atol=1e-12)
    # Two newcomers agreeing say more than one.
    assert score_item(model, [(newcomer, 1), (newcomer + 1, 1)])[1] > expected[1]


def test_a_label_the_annotator_never_gave_carries_almost_no_information() -> None:
    model = fit(simulated_crowd(), 3)
    spammer = CROWD.index(SPAMMER)  # only ever gave label 0
    np.testing.assert_allclose(score_item(model, [(spammer, 2)]), model.priors, atol=1e-8)


def test_score_item_stays_finite_where_products_of_probabilities_underflow() -> None:
    model = fit(simulated_crowd(), 3)
    answers = [(annotator, 1) for annotator in (0, 1, 2, 3, 4)] * 400
    assert np.prod([model.confusion[a, 0, 1] for a, _ in answers]) == 0.0  # underflows
    posterior = score_item(model, answers)
    assert np.isfinite(posterior).all() and posterior.sum() == pytest.approx(1.0)
    assert posterior[1] == pytest.approx(1.0)


def test_score_item_rejects_bad_answers() -> None:
    model = fit(hand_made(), 3)
    with pytest.raises(ValueError, match="label 3"):
        score_item(model, [(0, 3)])
    with pytest.raises(ValueError, match="annotator -1"):
        score_item(model, [(-1, 0)])


def test_all_gold_gives_the_counted_confusion_and_smoothing_adds_pseudo_counts() -> None:
    """With every item gold the posteriors are fixed, so each confusion row is the annotator's
    counts for that true label: crowd-kit's clipped at 1e-10, or with a pseudo-count added."""
    truth = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1}
    answers = Answers.from_triples([(0, 0, 0), (1, 0, 0), (2, 0, 1), (3, 0, 1), (4, 0, 1)])
    plain = fit(answers, 2, truth)
    np.testing.assert_allclose(plain.confusion[0], [[2 / 3, 1 / 3], [0, 1]], atol=1e-9)
    assert 0 < plain.confusion[0, 1, 0] <= 1e-9  # floored, never zero
    smooth = fit(answers, 2, truth, smoothing=1.0)
    np.testing.assert_allclose(smooth.confusion[0], [[3 / 5, 2 / 5], [1 / 4, 3 / 4]])
    assert smooth.priors.tolist() == pytest.approx([0.6, 0.4])


def test_answers_must_be_coded_densely_and_in_range() -> None:
    with pytest.raises(ValueError, match="item 1 has no answers"):
        fit(Answers.from_triples([(0, 0, 0), (2, 0, 1)]), 2)
    with pytest.raises(ValueError, match="annotator 0 has no answers"):
        fit(Answers.from_triples([(0, 1, 0)]), 2)
    with pytest.raises(ValueError, match="n_labels=2"):
        fit(Answers.from_triples([(0, 0, 2)]), 2)
    with pytest.raises(ValueError, match="at least 2"):
        fit(Answers.from_triples([(0, 0, 0)]), 1)
    with pytest.raises(ValueError, match="no answers"):
        fit(Answers.from_triples([]), 2)
    with pytest.raises(ValueError, match="negative"):
        Answers.from_triples([(0, -1, 0)])
    with pytest.raises(ValueError, match="same length"):
        Answers(np.array([0, 1]), np.array([0]), np.array([0, 1]))


def test_answers_and_model_cannot_be_changed_behind_the_models_back() -> None:
    items = np.array([0, 0, 1])
    answers = Answers(items, np.array([0, 1, 0]), np.array([1, 1, 0]))
    items[0] = 5
    assert answers.items[0] == 0  # copied
    model = fit(answers, 2)
    for array in (model.posteriors, model.priors, model.confusion, model.accuracy):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0
