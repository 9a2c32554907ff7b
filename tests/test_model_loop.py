"""A project's own model (`model:`): trained by the scheduler leader on decided labels once
there are `min_labels` and again after every `retrain_every` new ones; its predictions order
the open items; its likeliest label errors become reviews, a few a day; a failed run leaves
labeling as it was."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.delivery.model_training import ModelTrainer
from bot.flows.model_upkeep import train_project
from bot.model.training import load
from bot.projects import model_policy
from storage import label_models
from storage.models import (
    AuditEvent,
    FinalMethod,
    Item,
    ItemStatus,
    LabelIssue,
    LabelModel,
    Project,
    Review,
    ReviewReason,
)
from storage.queue import next_item
from tests.factories import create_project, make_spec
from tests.harness import BotHarness

WORDS = {
    "positive": "great love excellent happy perfect recommend wonderful fantastic".split(),
    "negative": "broken terrible refund awful hate returned useless disappointed".split(),
    "neutral": "arrived package size colour delivered average standard ordinary".split(),
}
FILLER = "the a product it was and is this for with my order item".split()


def text_for(label: str, rng: random.Random) -> str:
    words = rng.choices(FILLER, k=8) + rng.choices(WORDS[label], k=3)
    rng.shuffle(words)
    return " ".join(words)


SERIAL = itertools.count()


def add(session: Session, project: Project, texts: list[str], **fields: Any) -> list[int]:
    """Items with ids unique across calls (`add_items` numbers each call from 0)."""
    ids = []
    for text in texts:
        item = Item(
            project_id=project.id,
            external_id=f"m-{next(SERIAL)}",
            data={"text": text},
            required_answers=1,
            **fields,
        )
        session.add(item)
        session.flush()
        ids.append(item.id)
    return ids


def model_spec(**policy: Any) -> Any:
    settings = {"kind": "text-logreg", "field": "text", "min_labels": 30, "retrain_every": 10}
    return make_spec(model={**settings, **policy})


def decide(bot: BotHarness, project_id: int, labels: list[str], seed: int = 1) -> list[int]:
    """Items decided by consensus with these labels, in order."""
    rng = random.Random(seed)
    ids = []
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        for label in labels:
            [item_id] = add(
                session,
                project,
                [text_for(label, rng)],
                status=ItemStatus.COMPLETE,
                final_label=label,
                final_method=FinalMethod.CONSENSUS,
                answer_count=1,
            )
            ids.append(item_id)
    return ids


def setup(bot: BotHarness, **policy: Any) -> int:
    with bot.session() as session:
        return create_project(session, model_spec(**policy)).id


def balanced(count: int) -> list[str]:
    return [["positive", "negative", "neutral"][n % 3] for n in range(count)]


def runs(bot: BotHarness) -> list[LabelModel]:
    with bot.session() as session:
        return list(session.scalars(select(LabelModel).order_by(LabelModel.version)))


def test_no_training_before_min_labels_then_after_every_retrain_every_new_labels(
    bot: BotHarness,
) -> None:
    project_id = setup(bot)
    trainer = ModelTrainer(bot.services)
    decide(bot, project_id, balanced(29))
    assert trainer.run() == 0 and runs(bot) == []

    decide(bot, project_id, balanced(1), seed=2)  # the 30th decided label
    assert trainer.run() == 1
    assert trainer.run() == 0, "nothing new: not again"
    decide(bot, project_id, balanced(9), seed=3)
    assert trainer.run() == 0, "9 new labels are fewer than retrain_every"
    decide(bot, project_id, balanced(1), seed=4)
    assert trainer.run() == 1

    first, second = runs(bot)
    assert (first.labels, first.trained_on, second.labels) == (30, 30, 40)
    assert first.classes == ["negative", "neutral", "positive"]
    assert 0 <= first.metrics["accuracy"] <= 1 and 0 <= first.metrics["macro_f1"] <= 1
    assert first.fitted is not None and second.fitted is not None
    with bot.session() as session:
        audited = session.scalar(select(func.count()).where(AuditEvent.action == "model.trained"))
    assert audited == 2


def test_gold_answers_count_as_labels_and_undecided_items_never_do(bot: BotHarness) -> None:
    project_id = setup(bot)
    decide(bot, project_id, balanced(24))
    rng = random.Random(5)
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        for label in balanced(6):
            add(session, project, [text_for(label, rng)], is_gold=True, gold_answer=label)
        add(session, project, ["held for review"] * 5, status=ItemStatus.IN_REVIEW)
        add(session, project, ["still open"] * 5)
        assert label_models.decided_labels(session, project_id) == 30

    assert ModelTrainer(bot.services).run() == 1
    [run] = runs(bot)
    assert run.trained_on == 30


def test_predictions_land_on_open_items_only_and_reorder_the_queue(bot: BotHarness) -> None:
    project_id = setup(bot)
    decide(bot, project_id, balanced(60))
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        # Imported first, so without predictions the clear-cut item would be served first.
        clear, mixed = add(
            session,
            project,
            [
                "great love excellent happy perfect recommend wonderful",
                "great broken arrived love awful package",
            ],
        )
        [held] = add(session, project, ["great love"], status=ItemStatus.IN_REVIEW)
        first = next_item(
            session,
            project_id=project_id,
            annotator="U0NEW00001",
            now=bot.services.clock(),
            gold=False,
        )
        assert first is not None and first.id == clear

    run = train_project(bot.services, project_id)

    assert run is not None and run.predicted == 2
    with bot.session() as session:
        by_id = {
            i.id: i for i in session.scalars(select(Item).where(Item.id.in_([clear, mixed, held])))
        }
        assert by_id[clear].prediction == "positive"
        assert by_id[clear].prediction_version == run.version
        assert by_id[mixed].prediction_score < by_id[clear].prediction_score
        assert by_id[held].prediction is None, "only open items are predicted"
        first = next_item(
            session,
            project_id=project_id,
            annotator="U0NEW00001",
            now=bot.services.clock(),
            gold=False,
        )
        assert first is not None and first.id == mixed, "the least certain item comes first"


def test_the_stored_model_predicts_the_same_in_every_process(bot: BotHarness) -> None:
    project_id = setup(bot)
    decide(bot, project_id, balanced(45))
    train_project(bot.services, project_id)

    with bot.session() as session:
        stored = label_models.latest(session, project_id)
        assert stored is not None and stored.fitted is not None
        restored = load(stored.fitted)
    probabilities = restored.predict_proba(["great love excellent"])
    assert probabilities.shape == (1, 3)
    assert abs(float(probabilities.sum()) - 1.0) < 1e-9


def test_likely_label_errors_go_to_review_a_few_a_day_once_each(bot: BotHarness) -> None:
    project_id = setup(bot, label_errors_per_day=3)
    labels = balanced(90)
    wrong = [3, 15, 27, 39, 51, 63]  # positive items labelled negative
    texts_seed = 7
    rng = random.Random(texts_seed)
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        ids = []
        for n, label in enumerate(labels):
            given = "negative" if n in wrong else label
            truth_text = text_for("positive" if n in wrong else label, rng)
            [item_id] = add(
                session,
                project,
                [truth_text],
                status=ItemStatus.COMPLETE,
                final_label=given,
                final_method=FinalMethod.CONSENSUS,
                answer_count=1,
            )
            ids.append(item_id)
    flipped = {ids[n] for n in wrong}
    assert all(labels[n] == "positive" for n in wrong)

    run = train_project(bot.services, project_id)

    assert run is not None and run.flagged == 3, "at most label_errors_per_day"
    with bot.session() as session:
        issues = list(session.scalars(select(LabelIssue)))
        assert {i.item_id for i in issues} <= flipped
        for issue in issues:
            assert (issue.given, issue.suggested) == ("negative", "positive")
            assert issue.given_probability < 0.5 < issue.suggested_probability
            review = session.get(Review, issue.review_id)
            assert review is not None
            assert review.reason is ReviewReason.POSSIBLE_LABEL_ERROR
            item = session.get(Item, issue.item_id)
            assert item is not None and item.status is ItemStatus.IN_REVIEW
            assert item.final_label is None, "a questioned label is not exported as decided"
        assert (
            session.scalar(
                select(func.count()).where(AuditEvent.action == "review.possible_label_error")
            )
            == 3
        )

    again = train_project(bot.services, project_id, force=True)
    assert again is not None and again.flagged == 0, "the day's three are used up"

    tomorrow = bot.services.clock() + timedelta(days=1)
    bot.services.clock = lambda: tomorrow  # type: ignore[method-assign]
    later = train_project(bot.services, project_id, force=True)
    assert later is not None and later.flagged >= 1
    with bot.session() as session:
        items = [i.item_id for i in session.scalars(select(LabelIssue))]
    assert len(items) == len(set(items)), "an item is sent once"


def test_a_failed_run_leaves_labeling_untouched_and_waits_for_the_next_trigger(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = setup(bot)
    decide(bot, project_id, balanced(30))
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        [open_id] = add(session, project, ["an open item"])
    calls = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.flows.model_upkeep.train", broken)
    trainer = ModelTrainer(bot.services)
    assert trainer.run() == 0
    assert runs(bot) == []
    with bot.session() as session:
        item = session.get(Item, open_id)
        assert item is not None and item.prediction is None and item.status is ItemStatus.OPEN

    monkeypatch.undo()
    assert trainer.run() == 0, "an unexpected failure is retried after a wait, not at once"
    now = bot.services.clock()
    bot.services.clock = lambda: now + timedelta(minutes=1, seconds=1)  # type: ignore[method-assign]
    assert trainer.run() == 1, "... and without waiting for new labels"
    assert trainer.backoff == {}


def test_a_run_that_keeps_failing_is_tried_less_and_less_often(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = setup(bot)
    decide(bot, project_id, balanced(30))
    started = bot.services.clock()
    minutes = 0.0
    bot.services.clock = lambda: started + timedelta(minutes=minutes)  # type: ignore[method-assign]
    attempts: list[float] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        attempts.append(minutes)
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.flows.model_upkeep.train", broken)
    trainer = ModelTrainer(bot.services)
    for minute in range(200):  # the scheduler's job runs every minute
        minutes = minute + 0.5
        trainer.run()

    assert attempts == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 63.5, 123.5, 183.5]


def test_labels_that_cannot_be_learned_yet_wait_for_more(bot: BotHarness) -> None:
    project_id = setup(bot)
    decide(bot, project_id, ["positive"] * 30)
    trainer = ModelTrainer(bot.services)

    assert trainer.run() == 0
    assert trainer.failed_at == {project_id: 30}
    assert trainer.run() == 0 and runs(bot) == []
    decide(bot, project_id, balanced(10), seed=9)
    assert trainer.run() == 1


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"kind": "bert"}, "text-logreg"),
        ({"kind": "text-logreg", "field": "text", "min_labels": 3}, "greater than or equal to 10"),
        ({"kind": "text-logreg", "field": "text", "suggest": "maybe"}, "boolean"),
    ],
)
def test_the_model_option_is_validated(policy: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_spec(model=policy)


def test_a_model_needs_a_task_with_one_label_per_item() -> None:
    with pytest.raises(ValidationError, match="single_choice or rating"):
        make_spec(kind="multi_choice", model={"kind": "text-logreg", "field": "text"})


def test_without_the_extra_a_model_fails_validation_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model_policy, "missing_libraries", lambda: ["sklearn", "cleanlab"])

    with pytest.raises(ValidationError, match=r"pip install 'slack-labeler\[model\]'"):
        make_spec(model={"kind": "text-logreg", "field": "text"})
