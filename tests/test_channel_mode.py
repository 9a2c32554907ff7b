"""Channel mode: leads post items to the labeling channel; anyone allowed answers, blind."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.slack.ids import Action
from storage.models import Annotation, ChannelPost
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button, eventually

LEAD = "U0LEAD0001"
CHANNEL = "C0LABELS01"


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.delivery.channel_posts.SECONDS_BETWEEN_POSTS", 0.01)


def setup(bot: BotHarness, texts: list[str], overlap: int = 2) -> None:
    with bot.session() as session:
        spec = make_spec(overlap=overlap, slack={"leads": [LEAD], "labeling_channel": CHANNEL})
        add_items(session, create_project(session, spec), texts)


def posted(bot: BotHarness, count: int) -> list[Any]:
    return bot.fake.wait_for("chat.postMessage", count)


def click_answer(bot: BotHarness, post: Any, value: str, user: str) -> None:
    element = button(post["blocks"], f"{Action.CHANNEL_ANSWER}:{value}")
    message = {"ts": post.response["ts"], "text": post["text"], "blocks": post["blocks"]}
    assert (
        bot.click(
            element["action_id"], element["value"], user, channel=CHANNEL, message=message
        ).status
        == 200
    )


def test_a_lead_posts_n_items_into_the_labeling_channel(bot: BotHarness) -> None:
    setup(bot, ["one", "two", "three"])

    bot.command("post 2", LEAD)

    posts = posted(bot, 2)
    assert [p["channel"] for p in posts] == [CHANNEL, CHANNEL]
    assert "0 of 2 answers" in all_text(posts[0]["blocks"])
    expected = [p.response["ts"] for p in posts]

    def stored() -> bool:
        with bot.session() as session:
            return session.scalars(select(ChannelPost.message_ts)).all() == expected

    assert eventually(stored)


def test_posting_again_posts_different_items(bot: BotHarness) -> None:
    setup(bot, ["one", "two"])
    bot.command("post 1", LEAD)
    posted(bot, 1)

    bot.command("post 1", LEAD)

    texts = [all_text(p["blocks"]) for p in posted(bot, 2)]
    assert "one" in texts[0] and "two" in texts[1]


def test_only_leads_may_post(bot: BotHarness) -> None:
    setup(bot, ["one"])

    bot.command("post 1", "U0SOMEONE1")

    assert "Only a project lead" in all_text(bot.wait_response(1).body["blocks"])
    bot.fake.assert_not_called("chat.postMessage", within=0.2)


def test_channel_answers_update_a_blind_count_then_a_done_state(bot: BotHarness) -> None:
    setup(bot, ["one"], overlap=2)
    bot.command("post 1", LEAD)
    [post] = posted(bot, 1)

    click_answer(bot, post, "positive", "U0ANNOT001")
    update = bot.fake.wait_for("chat.update")[0]
    assert "1 of 2 answers" in all_text(update["blocks"])
    blind = all_text(update["blocks"]).replace("1 of 2", "0 of 2")
    assert blind == all_text(post["blocks"]), "only the count changes: answers stay blind"

    click_answer(bot, post, "negative", "U0ANNOT002")
    done = bot.fake.wait_for("chat.update", 2)[1]
    assert "Done" in all_text(done["blocks"])
    assert not [b for b in done["blocks"] if b["type"] == "actions"]


def test_the_same_person_clicking_again_changes_their_answer_keeping_history(
    bot: BotHarness,
) -> None:
    setup(bot, ["one"], overlap=3)
    bot.command("post 1", LEAD)
    [post] = posted(bot, 1)

    click_answer(bot, post, "positive", "U0ANNOT001")
    click_answer(bot, post, "positive", "U0ANNOT001")
    click_answer(bot, post, "neutral", "U0ANNOT001")

    with bot.session() as session:
        rows = session.execute(
            select(Annotation.value, Annotation.superseded_at.is_(None)).order_by(Annotation.id)
        ).all()
    assert [tuple(r) for r in rows] == [("positive", False), ("neutral", True)]


def test_a_full_item_refuses_further_answers(bot: BotHarness) -> None:
    setup(bot, ["one"], overlap=1)
    bot.command("post 1", LEAD)
    [post] = posted(bot, 1)
    click_answer(bot, post, "positive", "U0ANNOT001")

    click_answer(bot, post, "negative", "U0ANNOT002")

    with bot.session() as session:
        assert session.scalars(select(Annotation.annotator)).all() == ["U0ANNOT001"]
