"""Krippendorff's alpha against the published reliability-data example.

Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C (also the
Wikipedia example and the `krippendorff` package's tests): 4 observers, 12 units, missing
values. Published: nominal 0.743, ordinal 0.815, interval 0.849.
"""

from __future__ import annotations

import math

import pytest

from bot.metrics import Level, krippendorff_alpha

_ = math.nan
RELIABILITY_DATA = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    "C": [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
}
WORDS = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}


def units(rename: dict[int, str] | None = None) -> dict[int, dict[str, str]]:
    """Coders x units matrix -> item -> annotator -> answer key, skipping missing cells."""
    result: dict[int, dict[str, str]] = {}
    for coder, row in RELIABILITY_DATA.items():
        for unit, value in enumerate(row, start=1):
            if not math.isnan(value):
                label = rename[int(value)] if rename else str(int(value))
                result.setdefault(unit, {})[coder] = label
    return result


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_reproduces_krippendorffs_published_example(level: Level, published: float) -> None:
    result = krippendorff_alpha(units(), level=level)
    assert result.value is not None and round(result.value, 3) == published
    assert result.items == 11  # unit 12 has a single value, so it cannot be paired


def test_nominal_alpha_does_not_depend_on_how_labels_are_spelled() -> None:
    result = krippendorff_alpha(units(rename=WORDS), level="nominal")
    assert result.value is not None and round(result.value, 3) == 0.743


def test_ordinal_alpha_reads_word_labels_through_a_value_order() -> None:
    order = ["Very Low", "Low", "Mid", "High", "Very High"]
    result = krippendorff_alpha(units(rename=WORDS), level="ordinal", value_order=order)
    assert result.value is not None and round(result.value, 3) == 0.815


def test_ordinal_alpha_without_numbers_or_order_is_none_with_a_reason() -> None:
    result = krippendorff_alpha(units(rename=WORDS), level="ordinal")
    assert result.value is None
    assert result.reason is not None and "numeric ratings or a value order" in result.reason


def test_alpha_is_none_with_only_one_coder() -> None:
    result = krippendorff_alpha({1: {"ann": "a"}, 2: {"ann": "b"}})
    assert result.value is None
    assert result.reason == "fewer than two annotators"


def test_alpha_is_none_when_no_item_has_two_answers() -> None:
    result = krippendorff_alpha({1: {"ann": "a"}, 2: {"bob": "b"}})
    assert result.value is None
    assert result.reason == "no item has answers from two or more annotators"


def test_alpha_is_none_when_every_paired_answer_is_the_same() -> None:
    result = krippendorff_alpha({1: {"ann": "a", "bob": "a"}, 2: {"ann": "b"}})
    assert result.value is None
    assert result.reason is not None and "same value" in result.reason


def test_alpha_is_one_for_perfect_agreement() -> None:
    result = krippendorff_alpha({1: {"ann": "a", "bob": "a"}, 2: {"ann": "b", "bob": "b"}})
    assert result.value == pytest.approx(1.0)
