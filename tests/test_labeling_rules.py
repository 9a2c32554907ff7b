"""Guideline versions, gold feedback and session stats on the DM card."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.projects.loader import LoadedProject
from bot.projects.spec import resolve_guidelines
from bot.projects.sync import sync_project
from bot.slack.ids import Action
from storage.models import Annotation, Item
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button
from tests.test_labeling_dm import ANNOTATOR, start_and_ack_guidelines


def test_a_new_guideline_version_must_be_read_before_the_next_item(bot: BotHarness) -> None:
    with bot.session() as session:
        add_items(session, create_project(session, make_spec()), ["one", "two"])
    card = start_and_ack_guidelines(bot)
    with bot.session() as session:
        spec = make_spec(guidelines={"text": "## positive\nNew rule.", "version": "v2"})
        sync_project(
            session, LoadedProject(Path("p.yml"), spec, resolve_guidelines(spec, Path(".")))
        )
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    bot.click(positive["action_id"], positive["value"], ANNOTATOR)

    with bot.session() as session:
        assert session.scalars(select(Annotation.guideline_version)).one() == "v1"
    card = bot.wait_response(3).body
    text = all_text(card["blocks"])
    assert "guidelines changed" in text and "New rule" in text
    ack = button(card["blocks"], Action.ACK_GUIDELINES)
    bot.click(Action.ACK_GUIDELINES, ack["value"], ANNOTATOR)
    second = button(bot.wait_response(4).body["blocks"], f"{Action.ANSWER}:neutral")
    bot.click(second["action_id"], second["value"], ANNOTATOR)
    with bot.session() as session:
        versions = session.scalars(select(Annotation.guideline_version).order_by(Annotation.id))
        assert list(versions) == ["v1", "v2"]


def test_a_wrong_answer_on_a_gold_item_shows_the_expected_answer_and_note(
    bot: BotHarness,
) -> None:
    with bot.session() as session:
        project = create_project(session, make_spec(gold={"rate": 1.0, "feedback": True}))
        [item_id] = add_items(session, project, ["gold one"])
        item = session.get(Item, item_id)
        item.is_gold, item.gold_answer, item.gold_note = True, "negative", "Sarcasm is negative."
    card = start_and_ack_guidelines(bot)
    assert "check item" not in all_text(card["blocks"]), "gold items look like any other"
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    bot.click(positive["action_id"], positive["value"], ANNOTATOR)

    text = all_text(bot.wait_response(3).body["blocks"])
    assert "Expected *Negative*" in text and "Sarcasm is negative." in text
