"""Items reach the review channel once per open review, whatever sent them there."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.review_posts import publish_pending_reviews
from bot.flows.review import send_to_review
from bot.slack.ids import Action, View
from storage.models import Annotation, AuditEvent, Item, ItemStatus, Review, ReviewReason
from tests.factories import add_items, create_project, make_spec
from tests.fake_slack import Call
from tests.harness import BotHarness, all_text, button, eventually, shown_name
from tests.test_labeling_dm import ANNOTATOR, start_and_ack_guidelines

LEAD = "U0LEAD0001"
OTHER = "U0ANNOT002"
REVIEW_CHANNEL = "C0REVIEW01"
LABEL_CHANNEL = "C0LABELS01"
GUIDELINES = (
    "# Sentiment\n\n## positive\nThe customer is **happy**.\n\n"
    "## negative\nThe customer complains.\n\n## neutral\nNeither.\n"
)


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.delivery.review_posts.SECONDS_BETWEEN_POSTS", 0.0)
    monkeypatch.setattr("bot.delivery.channel_posts.SECONDS_BETWEEN_POSTS", 0.0)


def review_spec(**overrides: Any) -> Any:
    slack = {"leads": [LEAD], "review_channel": REVIEW_CHANNEL, "labeling_channel": LABEL_CHANNEL}
    slack.update(overrides.pop("slack", {}))
    guidelines = {"text": GUIDELINES, "version": "v1"}
    return make_spec(slack=slack, guidelines=guidelines, **overrides)


def setup(bot: BotHarness, texts: list[str], **overrides: Any) -> list[int]:
    with bot.session() as session:
        project = create_project(session, review_spec(**overrides))
        return add_items(session, project, texts)


def review_posts(bot: BotHarness, count: int = 1) -> list[Call]:
    """Posts in the review channel (not thread replies), waiting for `count` of them."""

    def found() -> list[Call]:
        calls = bot.fake.calls_to("chat.postMessage")
        return [c for c in calls if c["channel"] == REVIEW_CHANNEL and not c.get("thread_ts")]

    posts = eventually(lambda: len(found()) >= count and found())
    assert posts, f"expected {count} review post(s), got {len(found())}"
    return list(posts)


def open_and_post(bot: BotHarness, item_id: int, requested_by: str = LEAD) -> Call:
    """Route an item by hand (as the lookup card does) and publish it."""
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert send_to_review(session, item, requested_by) is not None
    assert publish_pending_reviews(bot.services, bot.services.client) == 1
    return review_posts(bot)[-1]


def stored_post(bot: BotHarness) -> tuple[str | None, str | None]:
    with bot.session() as session:
        row = session.execute(select(Review.channel, Review.message_ts)).one()
        return row.channel, row.message_ts


def test_an_unsure_answer_is_posted_at_once_with_its_reason_and_note(bot: BotHarness) -> None:
    setup(bot, ["fine I guess", "second"])
    card = start_and_ack_guidelines(bot)
    unsure = button(card["blocks"], Action.UNSURE)
    bot.click(Action.UNSURE, unsure["value"], ANNOTATOR)
    view = bot.fake.wait_for("views.open")[-1]["view"]
    values = {
        "reason": {"reason": {"type": "static_select", "selected_option": {"value": "ambiguous"}}},
        "note": {"note": {"type": "plain_text_input", "value": "sarcasm <maybe>?"}},
    }

    bot.slack.send(
        bot.payloads.view_submission(View.UNSURE, values, view["private_metadata"], ANNOTATOR)
    )

    [post] = review_posts(bot)
    text = all_text(post["blocks"])
    assert "an annotator was unsure" in text
    assert f"{shown_name(ANNOTATOR)}: _Unsure_ (Ambiguous)" in text
    assert "sarcasm &lt;maybe&gt;?" in text
    assert post["unfurl_links"] is False and post["unfurl_media"] is False and post["text"]
    posted = (REVIEW_CHANNEL, post.response["ts"])
    assert eventually(lambda: stored_post(bot) == posted), "the post is stored after it is sent"


def test_a_dm_answer_that_disagrees_posts_the_item_for_review(bot: BotHarness) -> None:
    [item_id] = setup(bot, ["the parcel came late"], overlap=2)
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        session.add(
            Annotation(
                item_id=item_id, project_id=item.project_id, annotator=OTHER, value="negative"
            )
        )
        item.answer_count = 1
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    bot.click(positive["action_id"], positive["value"], ANNOTATOR)

    [post] = review_posts(bot)
    text = all_text(post["blocks"])
    assert "answers are tied (50% each for the top answers)" in text
    assert (
        f"{shown_name(OTHER)}: *Negative*" in text
        and f"{shown_name(ANNOTATOR)}: *Positive*" in text
    )
    with bot.session() as session:
        assert session.get(Item, item_id).status is ItemStatus.IN_REVIEW  # type: ignore[union-attr]


def test_channel_answers_that_disagree_post_the_item_for_review(bot: BotHarness) -> None:
    setup(bot, ["meh"], overlap=2)
    bot.command("post 1", LEAD)
    [item_post] = bot.fake.wait_for("chat.postMessage")
    message = {"ts": item_post.response["ts"], "blocks": item_post["blocks"], "text": "x"}
    for user, choice in ((ANNOTATOR, "positive"), (OTHER, "negative")):
        element = button(item_post["blocks"], f"{Action.CHANNEL_ANSWER}:{choice}")
        bot.click(
            element["action_id"], element["value"], user, channel=LABEL_CHANNEL, message=message
        )

    [post] = review_posts(bot)
    assert "answers are tied" in all_text(post["blocks"])


def test_an_item_drawn_for_qa_is_posted_when_it_completes(bot: BotHarness) -> None:
    setup(bot, ["great"], review={"qa_sample_rate": 1.0})
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    bot.click(positive["action_id"], positive["value"], ANNOTATOR)

    [post] = review_posts(bot)
    assert "drawn for QA (100% of completed items are checked)" in all_text(post["blocks"])
    with bot.session() as session:
        assert session.scalars(select(Review.reason)).one() is ReviewReason.QA_SAMPLE


def test_agreeing_answers_outside_the_qa_sample_are_not_posted(bot: BotHarness) -> None:
    setup(bot, ["great"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    bot.click(positive["action_id"], positive["value"], ANNOTATOR)

    bot.wait_response(3)
    assert not [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == REVIEW_CHANNEL]


def test_sending_an_item_by_hand_posts_it_with_who_asked_and_audits_it(bot: BotHarness) -> None:
    [item_id] = setup(bot, ["odd one"])

    post = open_and_post(bot, item_id, requested_by=OTHER)

    assert f"sent to review by {shown_name(OTHER)}" in all_text(post["blocks"])
    with bot.session() as session:
        event = session.scalars(select(AuditEvent)).one()
        assert (event.actor, event.action, event.detail["item_id"]) == (
            OTHER,
            "send_to_review",
            item_id,
        )
        again = send_to_review(session, session.get(Item, item_id), LEAD)  # type: ignore[arg-type]
        assert again is None, "one open review per item"


def test_an_open_review_is_never_posted_twice(bot: BotHarness) -> None:
    [item_id] = setup(bot, ["odd one"])
    open_and_post(bot, item_id)

    assert publish_pending_reviews(bot.services, bot.services.client) == 0
    assert len(review_posts(bot)) == 1


def test_concurrent_publishers_post_each_review_once(bot: BotHarness) -> None:
    ids = setup(bot, ["a", "b", "c", "d"])
    with bot.session() as session:
        for item_id in ids:
            send_to_review(session, session.get(Item, item_id), LEAD)  # type: ignore[arg-type]
    counts: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: counts.append(publish_pending_reviews(bot.services, bot.services.client))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 4
    texts = [all_text(p["blocks"]) for p in review_posts(bot, 4)]
    assert len(texts) == 4 and len(bot.fake.calls_to("chat.postMessage")) == 4


def test_a_failed_post_is_retried_by_the_next_publish(bot: BotHarness) -> None:
    [item_id] = setup(bot, ["odd one"])
    with bot.session() as session:
        send_to_review(session, session.get(Item, item_id), LEAD)  # type: ignore[arg-type]
    bot.fake.fail_next("chat.postMessage", error="channel_not_found")

    assert publish_pending_reviews(bot.services, bot.services.client) == 0
    assert stored_post(bot) == (None, None), "the claim is given back"

    assert publish_pending_reviews(bot.services, bot.services.client) == 1
    assert stored_post(bot)[0] == REVIEW_CHANNEL


def test_a_claim_abandoned_by_a_dead_poster_is_taken_over(bot: BotHarness) -> None:
    [item_id] = setup(bot, ["odd one"])
    with bot.session() as session:
        review_row = send_to_review(session, session.get(Item, item_id), LEAD)  # type: ignore[arg-type]
        assert review_row is not None
        review_row.message_ts = "pending:0000000001:deadbeef"

    assert publish_pending_reviews(bot.services, bot.services.client) == 1


def test_a_project_without_a_review_channel_keeps_its_reviews_unposted(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    [item_id] = setup(bot, ["odd one"], slack={"review_channel": None})
    with bot.session() as session:
        send_to_review(session, session.get(Item, item_id), LEAD)  # type: ignore[arg-type]

    with caplog.at_level("INFO", logger="bot.delivery.review_posts"):
        assert publish_pending_reviews(bot.services, bot.services.client) == 0

    assert "has no slack.review_channel" in caplog.text
    assert stored_post(bot) == (None, None)
    bot.fake.assert_not_called("chat.postMessage")
