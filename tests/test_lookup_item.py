"""`/label item` and the card's buttons, end to end through the signed HTTP endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.completion import refresh_item
from bot.projects.sync import project_spec
from bot.slack.ids import Action
from storage.models import (
    Annotation,
    AuditEvent,
    Comment,
    Item,
    ItemStatus,
    Project,
    Review,
    ReviewReason,
    ReviewStatus,
    utcnow,
)
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button

LEAD = "U0LEAD0001"
ANNOTATOR = "U0ANNOT001"
SECOND = "U0ANNOT002"
OUTSIDER = "U0OUTSIDE1"
REVIEW_CHANNEL = "C0REVIEW01"


DISAGREEING = ((ANNOTATOR, "negative"), (SECOND, "neutral"))
AGREEING = ((ANNOTATOR, "negative"), (SECOND, "negative"))


def setup(
    bot: BotHarness,
    text: str = "The kettle arrived broken",
    answers: tuple[tuple[str, str], ...] = DISAGREEING,
    **spec: Any,
) -> int:
    """A project with one item answered twice (by default disagreeing, so it is in review)."""
    wiring = {"leads": [LEAD], "review_channel": REVIEW_CHANNEL, **spec.pop("slack", {})}
    with bot.session() as session:
        project = create_project(session, make_spec(overlap=2, slack=wiring, **spec))
        [item_id] = add_items(
            session,
            project,
            [text],
            data={"product": "Kettle"},
            prediction="negative",
            prediction_score=0.83,
        )
        now = utcnow()
        for offset, (who, value) in enumerate(answers):
            session.add(
                Annotation(
                    item_id=item_id,
                    project_id=project.id,
                    annotator=who,
                    value=value,
                    seconds=12.4,
                    guideline_version="v1",
                    created_at=now + timedelta(seconds=offset),
                )
            )
        session.flush()
        item = session.get(Item, item_id)
        assert item is not None
        refresh_item(session, item, project_spec(project))
        return item_id


def add_review(bot: BotHarness, item_id: int, ts: str = "1712000000.000900") -> None:
    """The disagreement's review, posted and resolved by the lead, with a thread."""
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        review = session.scalars(select(Review).where(Review.item_id == item_id)).one()
        assert review.reason is ReviewReason.DISAGREEMENT
        review.status = ReviewStatus.RESOLVED
        review.resolver = LEAD
        review.resolution = "negative"
        review.resolution_note = "Broken <means> negative"
        review.channel, review.message_ts = REVIEW_CHANNEL, ts
        session.flush()
        for n, deleted in enumerate([False, False, True]):
            session.add(
                Comment(
                    item_id=item_id,
                    review_id=review.id,
                    author=ANNOTATOR,
                    text="hmm",
                    channel=REVIEW_CHANNEL,
                    message_ts=f"1712000001.00000{n}",
                    deleted_at=utcnow() if deleted else None,
                )
            )


def card(bot: BotHarness, reference: str, user: str = ANNOTATOR, count: int = 1) -> Any:
    bot.command(f"item {reference}", user)
    return bot.wait_response(count).body


def test_the_card_shows_content_answers_decision_review_and_model(bot: BotHarness) -> None:
    item_id = setup(bot)
    add_review(bot, item_id)

    body = card(bot, str(item_id))

    assert body["response_type"] == "ephemeral" and body["text"]
    shown = all_text(body["blocks"])
    assert "The kettle arrived broken" in shown and "Kettle" in shown
    assert f"<@{ANNOTATOR}> *Negative*" in shown and f"<@{SECOND}> *Neutral*" in shown
    assert "12 s" in shown and "guidelines v1" in shown and "<!date^" in shown
    assert "*Model prediction*\nNegative (0.83)" in shown
    assert "resolved (disagreement)" in shown and f"by <@{LEAD}>" in shown
    assert "Broken &lt;means&gt; negative" in shown
    permalink = f"https://labeler-test.slack.com/archives/{REVIEW_CHANNEL}/p1712000000000900"
    assert f"<{permalink}|open the thread>" in shown
    assert "2 comments in the thread" in shown
    assert bot.fake.last("chat.getPermalink")["channel"] == REVIEW_CHANNEL


def test_an_item_is_found_by_its_external_id(bot: BotHarness) -> None:
    item_id = setup(bot)
    with bot.session() as session:
        external_id = session.scalars(select(Item.external_id)).one()

    body = card(bot, external_id)

    assert f"item {item_id}" in all_text(body["blocks"])


def test_an_external_id_in_two_projects_lists_both(bot: BotHarness) -> None:
    with bot.session() as session:
        for slug in ("alpha", "beta"):
            project = create_project(session, make_spec(slug))
            session.add(
                Item(
                    project_id=project.id,
                    external_id="T-1",
                    data={"text": slug},
                    required_answers=1,
                )
            )

    body = card(bot, "T-1")

    opens = [
        b for b in body["blocks"] if b.get("accessory", {}).get("action_id") == Action.OPEN_ITEM
    ]
    assert len(opens) == 2 and "2 items" in all_text(body["blocks"])


def test_user_text_is_escaped_and_pii_redacted(bot: BotHarness) -> None:
    item_id = setup(
        bot,
        "<!channel> mail jane@example.com & <https://evil.example|click>",
        privacy={"redact_pii": True},
    )

    shown = all_text(card(bot, str(item_id))["blocks"])

    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "jane@example.com" not in shown and "[email]" in shown
    assert "<https://evil" not in shown


def test_unknown_and_invisible_items_are_not_found(bot: BotHarness) -> None:
    item_id = setup(bot, slack={"annotators": {"mode": "list", "users": [ANNOTATOR]}})

    assert "No item '999999'" in card(bot, "999999")["text"]
    assert "No item" in card(bot, str(item_id), user=OUTSIDER, count=2)["text"]
    assert "Usage: `/label item" in card(bot, "", count=3)["text"]


def test_only_leads_see_relabel(bot: BotHarness) -> None:
    item_id = setup(bot, answers=AGREEING)

    annotator_view = card(bot, str(item_id))["blocks"]
    lead_view = card(bot, str(item_id), user=LEAD, count=2)["blocks"]

    assert button(annotator_view, Action.SEND_TO_REVIEW)["value"] == str(item_id)
    assert Action.RELABEL not in all_text(annotator_view) + str(annotator_view)
    assert button(lead_view, Action.RELABEL)["value"] == str(item_id)


def test_open_from_search_results_shows_the_card(bot: BotHarness) -> None:
    item_id = setup(bot)

    bot.click(Action.OPEN_ITEM, str(item_id), ANNOTATOR)

    assert f"item {item_id}" in all_text(bot.wait_response(1).body["blocks"])


def test_a_forged_open_of_an_invisible_item_reveals_nothing(bot: BotHarness) -> None:
    item_id = setup(bot, "secret text", slack={"annotators": {"mode": "list", "users": [SECOND]}})

    bot.click(Action.OPEN_ITEM, str(item_id), OUTSIDER)

    body = bot.wait_response(1).body
    assert "No item" in body["text"] and "secret" not in all_text(body["blocks"])


def test_send_to_review_opens_one_manual_review_and_audits_it(bot: BotHarness) -> None:
    item_id = setup(bot, answers=AGREEING)

    assert bot.click(Action.SEND_TO_REVIEW, str(item_id), ANNOTATOR).status == 200
    first = bot.wait_response(1).body["text"]
    bot.click(Action.SEND_TO_REVIEW, str(item_id), ANNOTATOR)
    second = bot.wait_response(2).body["text"]

    assert "sent to review" in first and "already under review" in second
    [post] = bot.fake.wait_for("chat.postMessage")
    assert post["channel"] == REVIEW_CHANNEL and "kettle arrived broken" in all_text(post["blocks"])
    with bot.session() as session:
        [review] = session.scalars(select(Review)).all()
        assert (review.reason, review.requested_by) == (ReviewReason.MANUAL, ANNOTATOR)
        assert session.get(Item, item_id).status is ItemStatus.IN_REVIEW  # type: ignore[union-attr]
        [event] = session.scalars(select(AuditEvent)).all()
        assert (event.actor, event.action, event.detail["item_id"]) == (
            ANNOTATOR,
            "send_to_review",
            item_id,
        )


def test_relabel_supersedes_answers_and_reopens_the_item(bot: BotHarness) -> None:
    item_id = setup(bot, answers=AGREEING)
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.status, item.final_label = ItemStatus.COMPLETE, "negative"  # as if adjudicated

    bot.click(Action.RELABEL, str(item_id), LEAD)

    assert "back in the queue for 2 fresh answer(s)" in bot.wait_response(1).body["text"]
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert (item.status, item.final_label, item.final_method) == (ItemStatus.OPEN, None, None)
        assert item.answer_count == 0 and item.required_answers == 2
        kept = session.scalars(select(Annotation)).all()
        assert len(kept) == 2 and all(a.superseded_at is not None for a in kept)
        [event] = session.scalars(select(AuditEvent)).all()
        assert (event.actor, event.action) == (LEAD, "relabel")
        assert event.detail["previous_label"] == "negative"
        assert event.detail["superseded_answers"] == 2

    bot.click(Action.RELABEL, str(item_id), LEAD)
    assert "already waiting for answers" in bot.wait_response(2).body["text"]
    with bot.session() as session:
        assert len(session.scalars(select(AuditEvent)).all()) == 1


def test_a_forged_relabel_from_a_non_lead_changes_nothing(bot: BotHarness) -> None:
    item_id = setup(bot)

    assert bot.click(Action.RELABEL, str(item_id), ANNOTATOR).status == 200

    assert "Only a project lead" in bot.wait_response(1).body["text"]
    with bot.session() as session:
        assert all(a.superseded_at is None for a in session.scalars(select(Annotation)))
        assert session.scalars(select(AuditEvent)).all() == []


def test_relabel_is_refused_while_a_review_is_open(bot: BotHarness) -> None:
    item_id = setup(bot)
    bot.click(Action.SEND_TO_REVIEW, str(item_id), ANNOTATOR)
    bot.wait_response(1)

    bot.click(Action.RELABEL, str(item_id), LEAD)

    assert "under review" in bot.wait_response(2).body["text"]
    with bot.session() as session:
        assert all(a.superseded_at is None for a in session.scalars(select(Annotation)))


def test_malformed_button_values_are_refused(bot: BotHarness) -> None:
    setup(bot, answers=AGREEING)

    for count, action in enumerate((Action.RELABEL, Action.SEND_TO_REVIEW, Action.OPEN_ITEM), 1):
        assert bot.click(action, "1; DROP TABLE items", LEAD).status == 200
        assert "not understood" in bot.wait_response(count).body["text"]
    with bot.session() as session:
        assert session.scalars(select(Review)).all() == []
        assert session.scalars(select(Project)).all() != []
