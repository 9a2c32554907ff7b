"""The model's suggestion on the DM card (`model.suggest: true`): "Model suggests: 🙂 Positive
(0.83)" under the item, only for a prediction the project's own model made, never on a gold
item, never in channel mode, never with `suggest: false`; every answer records whether its
card showed one, so anchoring can be measured. Suggestions stay escaped and within Block
Kit's limits.

End to end through signed requests and the fake Slack, the model trained as the scheduler
trains it where it matters.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from bot.domain.suggestions import Suggestion
from bot.flows.model_upkeep import train_project
from bot.slack.ids import Action
from bot.views.labeling_card import render_item_card
from bot.views.state import CardState
from storage import label_models
from storage.models import Annotation, FinalMethod, Item, ItemStatus, Project
from tests.factories import create_project, make_spec
from tests.harness import BotHarness, all_text, button, eventually
from tests.test_block_limits import assert_valid
from tests.test_hostile_text import HOSTILE, LIVE, rendered_text
from tests.test_model_loop import add, balanced, text_for
from tests.test_truthful_labels import (
    LABEL_CHANNEL,
    LEAD,
    answer_in_channel,
    dm_card,
    mark_unsure,
    no_pacing,  # noqa: F401 - autouse fixture
    post_in_channel,
)

ANN = "U0ANNOT001"
SMILE = ":slightly_smiling_face:"
CHOICES = [
    {"value": "positive", "text": "Positive", "emoji": SMILE},
    {"value": "neutral", "text": "Neutral"},
    {"value": "negative", "text": "Negative", "emoji": ":slightly_frowning_face:"},
]
MODEL = {"kind": "text-logreg", "field": "text", "min_labels": 30, "label_errors_per_day": 0}


def project(bot: BotHarness, *, suggest: bool = True) -> int:
    slack = {"leads": [LEAD], "labeling_channel": LABEL_CHANNEL}
    task = {"kind": "single_choice", "choices": CHOICES, "question": "Which label fits best?"}
    model = {**MODEL, "suggest": suggest}
    with bot.session() as session:
        return create_project(session, make_spec(task=task, model=model, slack=slack)).id


def open_item(
    bot: BotHarness, project_id: int, text: str, *, version: int | None = 1, **fields: Any
) -> int:
    """An open item the model (version `version`; None: an imported prediction) finds
    positive with probability 0.83."""
    with bot.session() as session:
        row = session.get(Project, project_id)
        assert row is not None
        [item_id] = add(session, row, [text], **fields)
        if version is None:
            item = session.get(Item, item_id)
            assert item is not None
            item.prediction, item.prediction_score = "positive", 0.83
        else:
            label_models.write_predictions(session, [(item_id, "positive", 0.83)], version)
        return item_id


def answer(bot: BotHarness, card: dict[str, Any], choice: str, user: str = ANN) -> None:
    element = button(card["blocks"], f"{Action.ANSWER}:{choice}")
    assert bot.click(element["action_id"], element["value"], user).status == 200


def next_card(bot: BotHarness, after: int) -> dict[str, Any]:
    """The card the DM turns into after the `after`-th reply to the person's clicks."""
    return dict(eventually(lambda: len(bot.responses()) > after and bot.responses()[after]).body)


def shown_on_answers(bot: BotHarness) -> list[tuple[Any, bool, bool]]:
    """(value, unsure, suggestion_shown) of every answer, oldest first."""
    with bot.session() as session:
        rows = session.scalars(select(Annotation).order_by(Annotation.id))
        return [(a.value, a.unsure, a.suggestion_shown) for a in rows]


def test_a_trained_model_suggests_its_label_on_the_card_and_the_answer_records_it(
    bot: BotHarness,
) -> None:
    project_id = project(bot)
    rng = random.Random(3)
    with bot.session() as session:
        row = session.get(Project, project_id)
        assert row is not None
        for label in balanced(45):
            add(
                session,
                row,
                [text_for(label, rng)],
                status=ItemStatus.COMPLETE,
                final_label=label,
                final_method=FinalMethod.CONSENSUS,
            )
        [item_id] = add(session, row, ["great love excellent happy, would recommend"])
    run = train_project(bot.services, project_id)
    assert run is not None and run.predicted == 1
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None and item.prediction == "positive"
        score = item.prediction_score
        assert score is not None

    card = dm_card(bot, ANN)

    assert f"Model suggests: {SMILE} Positive ({score:.2f})" in all_text(card["blocks"])
    answer(bot, card, "negative")
    assert eventually(lambda: shown_on_answers(bot)) == [("negative", False, True)]


def test_the_suggestion_sits_under_the_item_above_the_question_and_the_buttons(
    bot: BotHarness,
) -> None:
    project_id = project(bot)
    open_item(bot, project_id, "a fine kettle")

    card = dm_card(bot, ANN)

    texts = [all_text([block]) for block in card["blocks"]]
    under = [n for n, text in enumerate(texts) if text.startswith("Model suggests")]
    [item] = [n for n, text in enumerate(texts) if "a fine kettle" in text]
    [question] = [n for n, text in enumerate(texts) if text == "*Which label fits best?*"]
    first_buttons = [b["type"] for b in card["blocks"]].index("actions")
    assert under == [item + 1] and item + 1 < question < first_buttons
    assert texts[item + 1] == f"Model suggests: {SMILE} Positive (0.83)"


def test_with_suggest_off_no_card_shows_one_and_answers_record_none(bot: BotHarness) -> None:
    project_id = project(bot, suggest=False)
    open_item(bot, project_id, "a fine kettle")

    card = dm_card(bot, ANN)

    assert "Model suggests" not in all_text(card["blocks"])
    assert CardState.decode(button(card["blocks"], Action.SKIP)["value"]).suggested is None
    answer(bot, card, "positive")
    assert eventually(lambda: shown_on_answers(bot)) == [("positive", False, False)]


def test_a_gold_item_never_shows_a_suggestion(bot: BotHarness) -> None:
    project_id = project(bot)
    open_item(bot, project_id, "a gold kettle", is_gold=True, gold_answer="positive")

    card = dm_card(bot, ANN)

    assert "a gold kettle" in all_text(card["blocks"])
    assert "Model suggests" not in all_text(card["blocks"])
    answer(bot, card, "positive")
    assert eventually(lambda: shown_on_answers(bot)) == [("positive", False, False)]


def test_an_imported_prediction_is_never_suggested(bot: BotHarness) -> None:
    project_id = project(bot)
    open_item(bot, project_id, "an imported guess", version=None)

    card = dm_card(bot, ANN)

    assert "Model suggests" not in all_text(card["blocks"])
    answer(bot, card, "neutral")
    assert eventually(lambda: shown_on_answers(bot)) == [("neutral", False, False)]


def test_channel_mode_never_shows_a_suggestion_and_its_answers_record_none(
    bot: BotHarness,
) -> None:
    project_id = project(bot)
    open_item(bot, project_id, "posted for everyone")

    message = post_in_channel(bot)

    assert "posted for everyone" in all_text(message["blocks"])
    assert "Model suggests" not in all_text(message["blocks"]), "channel answers stay blind"
    answer_in_channel(bot, message, ANN, "positive")
    assert shown_on_answers(bot) == [("positive", False, False)]


def test_each_card_says_for_itself_whether_it_showed_a_suggestion(bot: BotHarness) -> None:
    """The flag travels in each card's buttons: the next card, without a prediction, drops
    it."""
    project_id = project(bot)
    open_item(bot, project_id, "suggested first")  # the less certain item is served first
    with bot.session() as session:
        row = session.get(Project, project_id)
        assert row is not None
        add(session, row, ["no prediction"])

    first = dm_card(bot, ANN)
    assert "Model suggests" in all_text(first["blocks"])
    seen = len(bot.responses())
    answer(bot, first, "positive")
    second = next_card(bot, seen)

    assert "no prediction" in all_text(second["blocks"])
    assert "Model suggests" not in all_text(second["blocks"])
    answer(bot, second, "negative")
    assert eventually(lambda: len(shown_on_answers(bot)) == 2)
    assert shown_on_answers(bot) == [("positive", False, True), ("negative", False, False)]


def test_an_unsure_answer_from_a_suggesting_card_records_the_suggestion(bot: BotHarness) -> None:
    project_id = project(bot)
    open_item(bot, project_id, "hard to say")

    card = dm_card(bot, ANN)
    mark_unsure(bot, card, ANN, "mixed")

    assert eventually(lambda: shown_on_answers(bot)) == [(None, True, True)]


def test_undo_shows_the_item_again_with_its_suggestion(bot: BotHarness) -> None:
    project_id = project(bot)
    open_item(bot, project_id, "suggested item")

    card = dm_card(bot, ANN)
    seen = len(bot.responses())
    answer(bot, card, "positive")
    undo = button(next_card(bot, seen)["blocks"], Action.UNDO)
    bot.click(Action.UNDO, undo["value"], ANN)
    again = next_card(bot, seen + 1)

    assert "suggested item" in all_text(again["blocks"])
    assert "Model suggests: :slightly_smiling_face: Positive (0.83)" in all_text(again["blocks"])
    answer(bot, again, "negative")
    assert eventually(lambda: len(shown_on_answers(bot)) == 2)
    assert shown_on_answers(bot)[-1] == ("negative", False, True)


def test_a_hostile_label_in_a_suggestion_stays_text() -> None:
    spec = make_spec(
        task={
            "kind": "single_choice",
            "choices": [{"value": "bad", "text": HOSTILE[:60]}, *CHOICES],
        },
        model={**MODEL, "suggest": True},
    )

    message = render_item_card(
        title="t",
        spec=spec,
        data={"text": "item"},
        state=CardState(project_id=1, lease_id=1, suggested=True),
        remaining=1,
        today=0,
        suggestion=Suggestion("bad", 0.5),
    )

    texts = rendered_text(message.blocks)
    assert any(text.startswith("Model suggests: &lt;!channel&gt;") for text in texts)
    for text in texts:
        assert not any(markup in text for markup in LIVE)


def test_a_suggestion_keeps_the_fullest_card_within_block_kit_limits() -> None:
    choices = [
        {"value": f"l{i}", "text": ("Long label " * 6)[:60], "emoji": ":smile:"} for i in range(25)
    ]
    spec = make_spec(
        task={"kind": "single_choice", "choices": choices},
        display={"fields": [{"key": f"f{i}"} for i in range(6)], "metadata": ["m"]},
    )
    data = {f"f{i}": "x&<>" * 5000 for i in range(6)} | {"m": "meta " * 500}

    message = render_item_card(
        title="T" * 500,
        spec=spec,
        data=data,
        state=CardState(project_id=1, lease_id=1, suggested=True),
        remaining=10**9,
        today=10**6,
        notice="n" * 5000,
        suggestion=Suggestion("l24", 0.999),
    )

    assert_valid(message.blocks)
    assert "(1.00)" in all_text(message.blocks)
