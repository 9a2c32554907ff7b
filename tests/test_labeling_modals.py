"""Unsure, multiple choice, free text and long items: the card's other answer paths."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.slack.ids import Action, View
from storage.models import Annotation, Review, ReviewReason
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button
from tests.test_labeling_dm import ANNOTATOR, start_and_ack_guidelines


def setup(bot: BotHarness, texts: list[str], **spec: Any) -> None:
    with bot.session() as session:
        project = create_project(session, make_spec(**spec))
        add_items(session, project, texts)


def open_modal(bot: BotHarness, card: dict[str, Any], action: str) -> dict[str, Any]:
    control = button(card["blocks"], action)
    assert bot.click(action, control["value"], ANNOTATOR, response_url=card_url(bot)).status == 200
    return bot.fake.wait_for("views.open")[-1]["view"]


def card_url(bot: BotHarness) -> str:
    """The response_url of the live card (the last one the bot answered through)."""
    return bot.fake.response_url("actions")


def test_unsure_opens_a_modal_and_records_an_unsure_answer_routed_to_review(
    bot: BotHarness,
) -> None:
    setup(bot, ["hmm, it's fine I guess", "second"])
    card = start_and_ack_guidelines(bot)
    view = open_modal(bot, card, Action.UNSURE)
    assert view["callback_id"] == View.UNSURE

    values = {
        "reason": {
            "reason": {"type": "static_select", "selected_option": {"value": "guideline_gap"}}
        },
        "note": {"note": {"type": "plain_text_input", "value": "sarcasm?"}},
    }
    response = bot.slack.send(
        bot.payloads.view_submission(View.UNSURE, values, view["private_metadata"], ANNOTATOR)
    )

    assert response.status == 200
    with bot.session() as session:
        answer = session.scalars(select(Annotation)).one()
        assert (answer.unsure, answer.unsure_reason, answer.unsure_note) == (
            True,
            "guideline_gap",
            "sarcasm?",
        )
        review = session.scalars(select(Review)).one()
        assert review.reason is ReviewReason.UNSURE
    turned = bot.fake.wait_for("response_url", 3)[-1].body
    assert "Recorded *Unsure*" in all_text(turned["blocks"])


def test_unsure_asks_for_a_reason_without_choosing_one_for_the_annotator(
    bot: BotHarness,
) -> None:
    setup(bot, ["text"])
    card = start_and_ack_guidelines(bot)
    view = open_modal(bot, card, Action.UNSURE)
    [reason] = [block for block in view["blocks"] if block["block_id"] == "reason"]
    assert "initial_option" not in reason["element"] and not reason.get("optional")
    nothing_chosen = {"reason": {"reason": {"type": "static_select", "selected_option": None}}}

    response = bot.slack.send(
        bot.payloads.view_submission(
            View.UNSURE, nothing_chosen, view["private_metadata"], ANNOTATOR
        )
    )

    assert response.json() == {
        "response_action": "errors",
        "errors": {"reason": "Choose a reason."},
    }
    with bot.session() as session:
        assert session.scalars(select(Annotation)).first() is None


def test_multiple_choice_uses_checkboxes_and_submit(bot: BotHarness) -> None:
    setup(bot, ["I can't log in and was charged twice"], slug="intent", kind="multi_choice")
    card = start_and_ack_guidelines(bot)
    submit = button(card["blocks"], Action.SUBMIT_CHOICES)
    state = {
        "values": {
            "choices": {
                Action.CHOICES: {
                    "type": "checkboxes",
                    "selected_options": [{"value": "login"}, {"value": "billing"}],
                }
            }
        }
    }

    bot.click(Action.SUBMIT_CHOICES, submit["value"], ANNOTATOR, state=state)

    with bot.session() as session:
        assert session.scalars(select(Annotation.value)).one() == ["billing", "login"]


def test_free_text_answers_come_from_a_modal(bot: BotHarness) -> None:
    setup(bot, ["audio one"], slug="transcribe", kind="free_text")
    card = start_and_ack_guidelines(bot)
    view = open_modal(bot, card, Action.OPEN_FREE_TEXT)
    values = {"answer": {"answer": {"type": "plain_text_input", "value": "hello world"}}}

    bot.slack.send(
        bot.payloads.view_submission(View.FREE_TEXT, values, view["private_metadata"], ANNOTATOR)
    )

    with bot.session() as session:
        assert session.scalars(select(Annotation.value)).one() == "hello world"


def test_the_free_text_modal_shows_the_item_so_a_transcriber_can_listen_while_typing(
    bot: BotHarness,
) -> None:
    display = {
        "fields": [{"key": "text", "label": "Machine transcript"}],
        "image_field": "picture",
        "audio_field": "clip",
    }
    media = {"picture": "https://example.com/p.png", "clip": "https://example.com/c.ogg"}
    with bot.session() as session:
        spec = make_spec(slug="transcribe", kind="free_text", display=display)
        add_items(session, create_project(session, spec), ["helo wrld <!here>"], data=media)
    card = start_and_ack_guidelines(bot)

    view = open_modal(bot, card, Action.OPEN_FREE_TEXT)

    item, answer = view["blocks"][:-1], view["blocks"][-1]
    shown = all_text(item)
    assert "helo wrld &lt;!here&gt;" in shown
    assert {"type": "image", "image_url": media["picture"]}.items() <= item[1].items()
    assert "<https://example.com/c.ogg|▶ Listen>" in shown
    assert answer["type"] == "input" and answer["block_id"] == "answer"


def test_a_refused_free_text_answer_is_explained_under_the_answer_box(bot: BotHarness) -> None:
    setup(bot, ["audio one"], slug="transcribe", kind="free_text")
    card = start_and_ack_guidelines(bot)
    view = open_modal(bot, card, Action.OPEN_FREE_TEXT)
    # Slack gives every block of a submitted view an id; errors may only name an input's.
    blocks = [{"block_id": f"slack{n}", **block} for n, block in enumerate(view["blocks"])]
    values = {"answer": {"answer": {"type": "plain_text_input", "value": "hello"}}}

    response = bot.slack.send(
        bot.payloads.view_submission(View.FREE_TEXT, values, "expired", ANNOTATOR, blocks=blocks)
    )

    assert response.json()["errors"] == {"answer": "This form expired."}


def test_long_items_are_truncated_with_a_full_text_modal(bot: BotHarness) -> None:
    long_text = "word " * 2000
    setup(bot, [long_text])

    card = start_and_ack_guidelines(bot)

    assert len(all_text(card["blocks"])) < 3000
    view = open_modal(bot, card, Action.SHOW_FULL_TEXT)
    shown = all_text(view["blocks"])
    assert shown.count("word") == 2000
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b.get("text"))
