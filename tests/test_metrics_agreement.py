"""Agreement coefficients checked against published worked examples and hand computations."""

from __future__ import annotations

import pytest

from bot.domain.consensus import answer_key
from bot.metrics import (
    cohen_kappa,
    fleiss_kappa,
    mean_pairwise_cohen_kappa,
    percent_agreement,
)

# Wikipedia "Cohen's kappa", worked example: 50 grant proposals read by A and B.
# Both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
COHEN_A = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
COHEN_B = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15

# Wikipedia "Fleiss' kappa", worked example (from Fleiss 1971): 10 subjects, 14 raters,
# 5 categories; each row counts the raters who chose each category.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def units_from_count_table(
    table: list[list[int]], rater_prefix: str = "r"
) -> dict[int, dict[str, str]]:
    """Rater-level units from a subjects x categories count table, with synthetic rater ids."""
    units: dict[int, dict[str, str]] = {}
    for subject, row in enumerate(table, start=1):
        labels = [
            f"c{category}" for category, count in enumerate(row, start=1) for _ in range(count)
        ]
        units[subject] = {f"{rater_prefix}{i}": label for i, label in enumerate(labels)}
    return units


def test_cohen_kappa_reproduces_the_wikipedia_grant_proposal_example() -> None:
    result = cohen_kappa(COHEN_A, COHEN_B)
    assert result.observed == pytest.approx(0.70)
    assert result.expected == pytest.approx(0.50)
    assert result.value == pytest.approx(0.40)
    assert result.items == 50


def test_cohen_kappa_is_undefined_when_both_raters_use_one_same_label() -> None:
    result = cohen_kappa(["spam"] * 4, ["spam"] * 4)
    assert result.value is None
    assert result.reason is not None and "same label" in result.reason


def test_cohen_kappa_is_undefined_without_shared_items() -> None:
    assert cohen_kappa([], []).value is None


def test_cohen_kappa_rejects_ratings_that_do_not_pair_up() -> None:
    with pytest.raises(ValueError):
        cohen_kappa(["a", "b"], ["a"])


def test_fleiss_kappa_reproduces_the_fleiss_1971_worked_example() -> None:
    result = fleiss_kappa(units_from_count_table(FLEISS_TABLE))
    assert result.value is not None and round(result.value, 3) == 0.210
    assert result.observed is not None and round(result.observed, 3) == 0.378
    assert result.expected is not None and round(result.expected, 3) == 0.213
    assert result.items == 10


def test_fleiss_kappa_does_not_depend_on_which_rater_gave_which_answer() -> None:
    shuffled = {
        subject: dict(zip(reversed(list(ratings)), ratings.values(), strict=True))
        for subject, ratings in units_from_count_table(FLEISS_TABLE, "other").items()
    }
    first = fleiss_kappa(units_from_count_table(FLEISS_TABLE)).value
    assert fleiss_kappa(shuffled).value == pytest.approx(first)


def test_fleiss_kappa_is_none_with_a_reason_when_items_have_differing_answer_counts() -> None:
    units = {1: {"ann": "a", "bob": "a", "cy": "b"}, 2: {"ann": "a", "bob": "b"}}
    result = fleiss_kappa(units)
    assert result.value is None
    assert result.reason is not None and "differing numbers of answers (2 to 3)" in result.reason


def test_fleiss_kappa_is_none_when_items_have_a_single_answer() -> None:
    result = fleiss_kappa({1: {"ann": "a"}, 2: {"bob": "b"}})
    assert result.value is None
    assert result.reason == "items have fewer than two answers each"


def test_fleiss_kappa_is_none_when_every_answer_is_the_same_label() -> None:
    assert fleiss_kappa({1: {"a": "x", "b": "x"}, 2: {"a": "x", "b": "x"}}).value is None


def test_percent_agreement_is_the_mean_share_of_agreeing_pairs_per_item() -> None:
    units = {
        1: {"ann": "a", "bob": "a", "cy": "b"},  # 1 agreeing pair of 3
        2: {"ann": "x", "bob": "x"},  # 1 of 1
        3: {"ann": "x"},  # no pair: left out
    }
    result = percent_agreement(units)
    assert result.value == pytest.approx((1 / 3 + 1) / 2)
    assert result.items == 2


def test_percent_agreement_is_none_when_no_item_has_two_answers() -> None:
    result = percent_agreement({1: {"ann": "a"}})
    assert result.value is None and result.reason is not None


def test_mean_pairwise_kappa_skips_pairs_sharing_too_few_items() -> None:
    units: dict[int, dict[str, str]] = {
        i: {"A": a, "B": b} for i, (a, b) in enumerate(zip(COHEN_A, COHEN_B, strict=True))
    }
    units[0]["C"] = "yes"
    units[1]["C"] = "no"
    result = mean_pairwise_cohen_kappa(units, min_shared=5)
    assert result.value == pytest.approx(0.40)
    assert dict(result.by_pair) == {("A", "B"): pytest.approx(0.40)}


def test_mean_pairwise_kappa_averages_over_every_eligible_pair() -> None:
    units = {
        1: {"A": "x", "B": "x", "C": "x"},
        2: {"A": "y", "B": "y", "C": "x"},
        3: {"A": "x", "B": "x", "C": "y"},
        4: {"A": "y", "B": "y", "C": "y"},
    }
    result = mean_pairwise_cohen_kappa(units, min_shared=4)
    assert result.by_pair[("A", "B")] == pytest.approx(1.0)
    assert result.by_pair[("A", "C")] == pytest.approx(0.0)
    assert result.value == pytest.approx((1.0 + 0.0 + 0.0) / 3)


def test_mean_pairwise_kappa_is_none_when_no_pair_shares_enough_items() -> None:
    result = mean_pairwise_cohen_kappa({1: {"A": "x", "B": "y"}}, min_shared=2)
    assert result.value is None
    assert result.reason == "no pair of annotators shares 2 or more items"


def test_multi_choice_answers_agree_regardless_of_option_order() -> None:
    units = {1: {"ann": answer_key(["b", "a"]), "bob": answer_key(["a", "b"])}}
    assert percent_agreement(units).value == pytest.approx(1.0)
