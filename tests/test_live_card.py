"""One live card per person and project: a new card retires the old one, a click on an old
card records nothing and says what is recorded, a double click stays silent, and the card
after an answer counts that answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.slack.ids import Action
from storage.models import Annotation, GuidelineAck
from tests.factories import add_items, create_project, make_spec
from tests.fake_slack import Call
from tests.harness import BotHarness, all_text, button, eventually

ANN = "U0ANNOT001"


def setup(bot: BotHarness, texts: list[str], **spec: Any) -> None:
    with bot.session() as session:
        project = create_project(session, make_spec(**spec))
        add_items(session, project, texts)
        session.add(GuidelineAck(project_id=project.id, user_id=ANN, version="v1"))


def dm_posts(bot: BotHarness) -> list[Call]:
    dm = bot.fake.dm_channel_for(ANN)
    return [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == dm]


def next_card(bot: BotHarness) -> Call:
    """`/label next`: the card it posts in the DM."""
    before = len(dm_posts(bot))
    bot.command_done("next", ANN)
    posts = eventually(lambda: dm_posts(bot)[before:])
    assert posts, "no new card"
    return posts[-1]


def click_on(bot: BotHarness, card: Call, action: str) -> Any:
    """Press a button of a posted card, as Slack sends it: from that message."""
    element = button(card["blocks"], action)
    message = {"ts": card.response["ts"], "blocks": card["blocks"], "text": card["text"]}
    return bot.click(
        element["action_id"], element.get("value"), ANN, channel=card["channel"], message=message
    )


def answers(bot: BotHarness) -> list[Annotation]:
    with bot.session() as session:
        return list(session.scalars(select(Annotation)))


def ephemerals(bot: BotHarness) -> list[str]:
    return [
        c.body.get("text", "")
        for c in bot.responses()
        if c.body.get("response_type") == "ephemeral"
    ]


def test_a_second_label_next_leaves_exactly_one_card_with_buttons(bot: BotHarness) -> None:
    setup(bot, ["the kettle", "the toaster"])
    first = next_card(bot)
    second = next_card(bot)

    [retired] = bot.fake.wait_for("chat.update")
    assert (retired["channel"], retired["ts"]) == (first["channel"], first.response["ts"])
    assert not [b for b in retired["blocks"] if b["type"] == "actions"]
    assert "continued in a newer card below" in all_text(retired["blocks"])
    assert [b for b in second["blocks"] if b["type"] == "actions"], "the new card is live"


def test_a_click_on_a_superseded_card_says_what_is_recorded_and_records_nothing(
    bot: BotHarness,
) -> None:
    setup(bot, ["the kettle", "the toaster"])
    first = next_card(bot)
    second = next_card(bot)
    assert click_on(bot, second, f"{Action.ANSWER}:positive").status == 200
    assert eventually(lambda: len(answers(bot)) == 1)

    assert click_on(bot, first, f"{Action.ANSWER}:negative").status == 200

    notes = eventually(lambda: [t for t in ephemerals(bot) if "Already recorded" in t])
    assert notes and "Already recorded as Positive" in notes[0]
    [answer] = answers(bot)
    assert answer.value == "positive", "the old card's click changed nothing"
    replaced = eventually(
        lambda: [
            c
            for c in bot.responses()
            if c.body.get("replace_original")
            and "continued in a newer card" in all_text(c.body.get("blocks", []))
        ]
    )
    assert replaced, "the old card loses its buttons"


def test_a_double_click_stays_silent_but_a_different_second_choice_is_told(
    bot: BotHarness,
) -> None:
    setup(bot, ["the kettle", "the toaster"])
    card = next_card(bot)
    click_on(bot, card, f"{Action.ANSWER}:positive")
    click_on(bot, card, f"{Action.ANSWER}:positive")  # the same button again: a double click
    eventually(lambda: len(bot.responses()) >= 2)
    assert not [t for t in ephemerals(bot) if "Already recorded" in t]

    click_on(bot, card, f"{Action.ANSWER}:negative")  # before the card turned over

    notes = eventually(lambda: [t for t in ephemerals(bot) if "Already recorded" in t])
    assert notes and "Already recorded as Positive; use Undo" in notes[0]
    assert len(answers(bot)) == 1


def test_the_card_after_an_answer_counts_that_answer(bot: BotHarness) -> None:
    setup(bot, ["the kettle", "the toaster", "the kettle again"])
    card = next_card(bot)
    assert "3 left · you today: 0" in all_text(card["blocks"])

    click_on(bot, card, f"{Action.ANSWER}:positive")

    [turned] = eventually(lambda: [c for c in bot.responses() if c.body.get("replace_original")])
    assert "2 left · you today: 1" in all_text(turned.body["blocks"])
