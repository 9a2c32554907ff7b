"""Slack and database failures after or before the ack: answers are kept, people are told."""

from __future__ import annotations

from sqlalchemy import select

from bot.ids import Action
from storage.db import make_engine, make_session_factory
from storage.models import Annotation, Lease, LeaseStatus
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button
from tests.test_labeling_dm import ANNOTATOR, start_and_ack_guidelines


def setup(bot: BotHarness, texts: list[str]) -> None:
    with bot.session() as session:
        add_items(session, create_project(session, make_spec()), texts)


def test_a_failed_card_update_after_the_ack_keeps_the_answer_and_recovers_next_time(
    bot: BotHarness,
) -> None:
    setup(bot, ["first", "second"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    bot.fake.fail_next("response_url", status=500)

    assert bot.click(positive["action_id"], positive["value"], ANNOTATOR).status == 200

    bot.wait_response(3)
    with bot.session() as session:
        assert session.scalars(select(Annotation.value)).all() == ["positive"]
    bot.command("next", ANNOTATOR)
    recovered = bot.fake.wait_for("chat.postMessage", 2)[1]
    assert "second" in all_text(recovered["blocks"])
    with bot.session() as session:
        assert session.scalars(select(Lease.status).order_by(Lease.id)).all() == [
            LeaseStatus.ANSWERED,
            LeaseStatus.ACTIVE,
        ]


def test_a_rate_limited_post_is_retried_after_retry_after_and_posted_once(
    bot: BotHarness,
) -> None:
    setup(bot, ["first"])
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1)

    bot.command("next", ANNOTATOR)

    posts = bot.fake.wait_for("chat.postMessage", 2, timeout=8)
    assert [p.status for p in posts] == [429, 200]
    assert len(bot.fake.calls_to("chat.postMessage")) == 2


def test_a_database_outage_gets_a_try_again_message_and_no_partial_write(
    bot: BotHarness,
) -> None:
    setup(bot, ["first"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    working = bot.services.sessions
    bot.services.sessions = make_session_factory(make_engine("sqlite:////nonexistent/x/db.db"))
    try:
        assert bot.click(positive["action_id"], positive["value"], ANNOTATOR).status == 200
        notice = bot.wait_response(3).body
    finally:
        bot.services.sessions = working
    assert notice["response_type"] == "ephemeral"
    assert "try again" in notice["text"]
    with bot.session() as session:
        assert session.scalars(select(Annotation)).all() == []
