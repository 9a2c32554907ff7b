"""Slack and database failures after or before the ack: answers are kept, people are told."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bot.slack import client as slack_client
from bot.slack.ids import Action
from bot.slack.request_errors import TRY_AGAIN
from storage.db import SessionFactory, is_sqlite, make_engine, make_session_factory, unit_of_work
from storage.models import Annotation, GuidelineAck, Lease, LeaseStatus, Project
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button, eventually, running_bot
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


def test_a_rate_limited_card_update_is_retried_once_after_retry_after_without_delaying_the_ack(
    bot: BotHarness,
) -> None:
    setup(bot, ["first", "second"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    bot.fake.fail_next("response_url", status=429, retry_after=1)

    clicked = time.monotonic()
    assert bot.click(positive["action_id"], positive["value"], ANNOTATOR).status == 200
    acked_in = time.monotonic() - clicked

    limited, updated = bot.fake.wait_for("response_url", 4, timeout=8)[2:]
    assert (limited.status, updated.status) == (429, 200)
    assert acked_in < 1.0  # Slack had its ack before the one-second wait began
    assert "second" in all_text(updated.body["blocks"])


def test_a_retry_after_too_long_to_wait_for_is_given_up_with_a_warning(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    setup(bot, ["first", "second"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    bot.fake.fail_next("response_url", status=429, retry_after=120)

    assert bot.click(positive["action_id"], positive["value"], ANNOTATOR).status == 200

    assert eventually(lambda: "response_url answered HTTP 429" in caplog.text)
    assert [c.status for c in bot.fake.calls_to("response_url")] == [200, 200, 429]


def test_a_slash_command_during_a_database_outage_is_told_to_try_again(bot: BotHarness) -> None:
    setup(bot, ["first"])
    working, broken = bot.services.sessions, make_engine("sqlite:////nonexistent/x/db.db")
    bot.services.sessions = make_session_factory(broken)
    try:
        assert bot.command("next", ANNOTATOR).status == 200
        notice = bot.wait_response(1).body
    finally:
        bot.services.sessions = working
        broken.dispose()
    assert notice["response_type"] == "ephemeral" and TRY_AGAIN in all_text(notice["blocks"])
    bot.fake.assert_not_called("chat.postMessage")


def test_an_event_arriving_during_a_database_outage_is_logged_in_one_line(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    working, broken = bot.services.sessions, make_engine("sqlite:////nonexistent/x/db.db")
    bot.services.sessions = make_session_factory(broken)
    reply = bot.payloads.thread_reply("C0REVIEW01", "1700000000.000100", None, ANNOTATOR, "hi")
    try:
        assert bot.slack.send(reply).status == 200
        assert eventually(lambda: "could not apply a message event" in caplog.text)
    finally:
        bot.services.sessions = working
        broken.dispose()
    [line] = [r for r in caplog.records if "message event" in r.getMessage()]
    assert line.getMessage() == (
        "could not apply a message event: the database is unavailable "
        "(unable to open database file)"
    )
    assert not line.exc_info


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


def test_a_locked_database_gets_a_try_again_message_within_slacks_three_seconds(
    database_url: str,
) -> None:
    """Another writer (a long import) holds the database: the click answers in time, saying
    nothing was saved, and nothing is written."""
    engine = make_engine(database_url, write_wait=0.5)
    sessions = make_session_factory(engine)
    with running_bot(engine, sessions) as bot:
        setup(bot, ["first"])
        card = start_and_ack_guidelines(bot)
        positive = button(card["blocks"], f"{Action.ANSWER}:positive")
        blocker = make_engine(database_url)
        with blocker.connect() as connection:
            transaction = connection.begin()
            connection.execute(
                text("LOCK TABLE annotations IN ACCESS EXCLUSIVE MODE")
                if not is_sqlite(database_url)
                else text("SELECT 1")
            )
            started = time.monotonic()
            assert bot.click(positive["action_id"], positive["value"], ANNOTATOR).status == 200
            elapsed = time.monotonic() - started
            transaction.rollback()
        blocker.dispose()
        notice = bot.wait_response(3).body
    engine.dispose()
    assert elapsed < 3
    assert "try again" in notice["text"]
    with session_factory_for(database_url) as session:
        assert session.scalars(select(Annotation)).all() == []


@contextmanager
def session_factory_for(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def test_a_timed_out_web_api_call_is_not_retried_blindly_and_the_card_recovers(
    engine: Engine, session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timeout may mean Slack posted the message after all: it is not retried (no double
    post), and the held item comes back with the next `/label next`."""
    monkeypatch.setattr(slack_client, "WEB_API_TIMEOUT_SECONDS", 1)
    with running_bot(engine, session_factory) as bot:
        setup(bot, ["first"])
        with bot.session() as session:
            project = session.scalars(select(Project)).one()
            session.add(GuidelineAck(project_id=project.id, user_id=ANNOTATOR, version="v1"))
        bot.fake.fail_next("chat.postMessage", delay=2)

        bot.command("next", ANNOTATOR)
        bot.fake.wait_for("chat.postMessage", 1)
        time.sleep(2.5)
        assert len(bot.fake.calls_to("chat.postMessage")) == 1
        bot.command("next", ANNOTATOR)
        card = bot.fake.wait_for("chat.postMessage", 2)[1]

    assert "first" in all_text(card["blocks"])
    with bot.session() as session:
        assert session.scalars(select(Lease.status)).all() == [LeaseStatus.ACTIVE]
