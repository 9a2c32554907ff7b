"""Replies in a review post's thread are the item's record, and every export carries it."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from bot.dataio.export import export_project
from bot.dataio.formats import ExportFormat
from bot.slack.ids import Action, View
from storage.models import Comment, Project
from tests.fake_slack import BOT_ID
from tests.harness import BotHarness, eventually
from tests.test_review_decisions import note_values, press, submit, thread_notes
from tests.test_review_post import ANNOT, answer, setup_item
from tests.test_review_routing import (
    LEAD,
    OTHER,
    REVIEW_CHANNEL,
    no_pacing,  # noqa: F401 - autouse fixture
    open_and_post,
)


def posted(bot: BotHarness) -> str:
    """An item under review with its post; returns the post's ts (the thread)."""
    item_id = setup_item(bot, "Was it sarcasm?")
    answer(bot, item_id, ANNOT, "positive")
    return str(open_and_post(bot, item_id).response["ts"])


def comments(bot: BotHarness) -> list[Comment]:
    with bot.session() as session:
        return list(session.scalars(select(Comment).order_by(Comment.id)))


def send_event(bot: BotHarness, request: Any, **headers: Any) -> None:
    assert bot.slack.send(request, **headers).status == 200


def wait_comments(bot: BotHarness, count: int) -> list[Comment]:
    found = eventually(lambda: len(comments(bot)) >= count and comments(bot))
    assert found, f"expected {count} comment(s)"
    return list(found)


def test_a_thread_reply_is_stored_with_its_author_and_time(bot: BotHarness) -> None:
    thread = posted(bot)

    send_event(
        bot, bot.payloads.thread_reply(REVIEW_CHANNEL, thread, "1710000100.000200", OTHER, "Hmm")
    )

    [comment] = wait_comments(bot, 1)
    assert (comment.author, comment.text, comment.channel) == (OTHER, "Hmm", REVIEW_CHANNEL)
    assert comment.created_at.replace(tzinfo=None).isoformat().startswith("2024-03-09T16:01:40")
    assert comment.review_id is not None


def test_a_retried_event_is_stored_once(bot: BotHarness) -> None:
    thread = posted(bot)
    request = bot.payloads.thread_reply(
        REVIEW_CHANNEL, thread, None, OTHER, "Looks negative", event_id="Ev0RETRY001"
    )

    now = int(time.time())
    send_event(bot, request, timestamp=now)
    # Slack signs each delivery anew: a retry has its own timestamp and the retry headers.
    send_event(bot, request, timestamp=now + 1, retry_num=1, retry_reason="http_timeout")
    send_event(bot, request, timestamp=now + 2, retry_num=2, retry_reason="http_timeout")
    wait_comments(bot, 1)
    later = bot.payloads.thread_reply(REVIEW_CHANNEL, thread, None, ANNOT, "Agreed")
    send_event(bot, later)

    assert [c.text for c in wait_comments(bot, 2)] == ["Looks negative", "Agreed"]


def test_edits_and_deletions_are_reflected(bot: BotHarness) -> None:
    thread = posted(bot)
    first = bot.payloads.next_ts()
    send_event(bot, bot.payloads.thread_reply(REVIEW_CHANNEL, thread, first, OTHER, "Positve"))
    second = bot.payloads.next_ts()
    send_event(bot, bot.payloads.thread_reply(REVIEW_CHANNEL, thread, second, ANNOT, "Oops"))
    wait_comments(bot, 2)

    send_event(
        bot,
        bot.payloads.message_changed(
            REVIEW_CHANNEL, first, OTHER, "Positive", "Positve", thread_ts=thread
        ),
    )
    send_event(
        bot, bot.payloads.message_deleted(REVIEW_CHANNEL, second, user=ANNOT, thread_ts=thread)
    )

    def settled() -> dict[str, Comment] | None:
        # By message, not by id: the two replies are stored after their acks, in either order.
        by_ts = {row.message_ts: row for row in comments(bot)}
        done = by_ts[first].edited_at is not None and by_ts[second].deleted_at is not None
        return by_ts if done else None

    by_ts = eventually(settled)
    assert by_ts, "edit and deletion applied"
    assert by_ts[first].text == "Positive"


@pytest.mark.parametrize(
    "kind", ["own bot", "other bot", "legacy bot_message", "other channel", "top level"]
)
def test_messages_that_are_not_replies_in_a_review_thread_are_ignored(
    bot: BotHarness, kind: str
) -> None:
    thread = posted(bot)
    payloads = bot.payloads
    request = {
        "own bot": payloads.bot_message(REVIEW_CHANNEL, "closing note", thread_ts=thread),
        "other bot": payloads.bot_message(
            REVIEW_CHANNEL, "beep", thread_ts=thread, bot_id="B0OTHERBOT", user="U0OTHERBOT"
        ),
        "legacy bot_message": payloads.bot_message(
            REVIEW_CHANNEL, "beep", thread_ts=thread, bot_id="B0HOOK0001", subtype="bot_message"
        ),
        "other channel": payloads.thread_reply("C0ELSEWHER", thread, None, OTHER, "hi"),
        "top level": payloads.channel_message(REVIEW_CHANNEL, OTHER, "hello"),
    }[kind]
    assert BOT_ID != "B0OTHERBOT"

    send_event(bot, request)
    send_event(bot, payloads.thread_reply(REVIEW_CHANNEL, thread, None, OTHER, "marker"))

    wait_comments(bot, 1)
    time.sleep(0.3)  # listeners run after the ack: give the first event time to land too
    assert [c.text for c in comments(bot)] == ["marker"]


def export(bot: BotHarness, fmt: ExportFormat) -> str:
    out = io.StringIO()
    with bot.session() as session:
        project = session.scalars(select(Project)).one()
        export_project(session, project, fmt, out)
    return out.getvalue()


def test_every_export_carries_the_rationale_and_the_discussion(bot: BotHarness) -> None:
    item_id = setup_item(bot, "Was it sarcasm?")
    answer(bot, item_id, ANNOT, "positive")
    post = open_and_post(bot, item_id)
    thread = str(post.response["ts"])
    send_event(bot, bot.payloads.thread_reply(REVIEW_CHANNEL, thread, None, OTHER, "Irony!"))
    gone = bot.payloads.next_ts()
    send_event(bot, bot.payloads.thread_reply(REVIEW_CHANNEL, thread, gone, OTHER, "typo"))
    wait_comments(bot, 2)
    send_event(bot, bot.payloads.message_deleted(REVIEW_CHANNEL, gone, thread_ts=thread))
    eventually(lambda: comments(bot)[1].deleted_at is not None)
    press(bot, post, Action.OPEN_RESOLVE, LEAD)
    modal = bot.fake.wait_for("views.open")[0]["view"]
    note = "Irony reads as negative"
    submit(bot, View.RESOLVE, note_values("negative", note), modal["private_metadata"], LEAD)
    thread_notes(bot)

    [record] = [json.loads(line) for line in export(bot, ExportFormat.JSONL).splitlines()]
    assert record["final_label"] == "negative" and record["final_method"] == "adjudicated"
    assert record["review"]["resolution_note"] == note
    assert record["review"]["resolver"] == LEAD
    assert [(c["author"], c["text"]) for c in record["discussion"]] == [(OTHER, "Irony!")]

    [row] = list(csv.DictReader(io.StringIO(export(bot, ExportFormat.CSV))))
    assert row["review_resolution_note"] == note
    assert json.loads(row["discussion"])[0]["text"] == "Irony!"

    [task] = json.loads(export(bot, ExportFormat.LABEL_STUDIO))
    assert task["meta"]["review"]["resolution_note"] == note
    assert task["meta"]["discussion"][0]["text"] == "Irony!"

    [line] = [json.loads(text) for text in export(bot, ExportFormat.GROUND_TRUTH).splitlines()]
    assert line["final-method"] == "adjudicated" and line["rationale"] == note
    assert line["discussion"][0]["text"] == "Irony!"
