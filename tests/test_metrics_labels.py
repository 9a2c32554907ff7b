"""Label distribution and confused label pairs."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.metrics import (
    AnswerValue,
    ConfusionPair,
    LabelCount,
    confusion_pairs,
    label_distribution,
)
from bot.metrics.records import STATUS_COMPLETE, STATUS_IN_REVIEW, STATUS_OPEN
from storage.models import ItemStatus

CREATED = datetime(2024, 5, 1, tzinfo=UTC)


def test_status_names_match_the_storage_enum() -> None:
    assert {STATUS_OPEN, STATUS_IN_REVIEW, STATUS_COMPLETE} == {s.value for s in ItemStatus}


def test_label_distribution_ranks_labels_most_frequent_first() -> None:
    result = label_distribution(
        [("ham", 2), ("Spam", 1), ("spam ", 1), (None, 4), ("spam", 1), ("eggs", 1)]
    )
    assert result == [
        LabelCount("Spam", 3, 3 / 6),
        LabelCount("ham", 2, 2 / 6),
        LabelCount("eggs", 1, 1 / 6),
    ]


def test_label_distribution_counts_each_option_of_a_multi_choice_label() -> None:
    result = label_distribution([(["a", "b"], 1), (["a"], 1)])
    assert [(c.label, c.count, c.share) for c in result] == [("a", 2, 1.0), ("b", 1, 0.5)]


def test_label_distribution_of_nothing_is_empty() -> None:
    assert label_distribution([(None, 3)]) == []


def test_confusion_pairs_count_clashes_among_annotators_and_with_adjudication() -> None:
    answers: dict[int, list[AnswerValue]] = {
        1: ["spam", "ham", "ham"],  # spam/ham twice
        2: ["spam", "ham"],  # spam/ham once
        3: ["eggs", "ham", None],  # eggs/ham once; the unsure answer is ignored
        4: ["eggs", "eggs"],  # reviewer chose bacon: bacon/eggs twice
    }
    result = confusion_pairs(answers, {4: "bacon"})
    assert result == [
        ConfusionPair("ham", "spam", 3),
        ConfusionPair("bacon", "eggs", 2),
        ConfusionPair("eggs", "ham", 1),
    ]


def test_confusion_pairs_break_ties_alphabetically_and_ignore_agreement() -> None:
    answers: dict[int, list[AnswerValue]] = {1: ["b", "c"], 2: ["a", "b"], 3: ["x", "X"]}
    assert confusion_pairs(answers, {}) == [ConfusionPair("a", "b", 1), ConfusionPair("b", "c", 1)]


def test_confusion_pairs_compare_multi_choice_answers_as_sets() -> None:
    answers: dict[int, list[AnswerValue]] = {1: [["a", "b"], ["b", "a"], ["a"]]}
    assert confusion_pairs(answers, {}) == [ConfusionPair("a", "a + b", 2)]
