"""Leads resolve, send back or flag reviews; nobody else can, whatever their payload says."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from bot.domain.assignment import assign_next
from bot.slack.ids import Action, View
from bot.views.review_state import ReviewRef
from storage.models import (
    AuditEvent,
    EdgeCase,
    FinalMethod,
    Item,
    ItemStatus,
    Project,
    Review,
    ReviewStatus,
    utcnow,
)
from tests.fake_slack import Call
from tests.harness import BotHarness, all_text, button, eventually, shown_name
from tests.test_review_post import ANNOT, answer, setup_item
from tests.test_review_routing import (
    LEAD,
    OTHER,
    REVIEW_CHANNEL,
    no_pacing,  # noqa: F401 - autouse fixture
    open_and_post,
)

STRANGER = "U0STRANGE1"


def disputed(bot: BotHarness, **spec: Any) -> tuple[int, Call]:
    """An item answered positive, negative, unsure (and by an imported name), posted."""
    item_id = setup_item(bot, "It broke after a day", spec=spec)
    answer(bot, item_id, ANNOT, "positive")
    answer(bot, item_id, OTHER, "negative")
    answer(bot, item_id, "U0ANNOT003", None, unsure=True, unsure_reason="ambiguous")
    answer(bot, item_id, "imported-bob", "positive")
    return item_id, open_and_post(bot, item_id)


def press(bot: BotHarness, post: Call, action_id: str, user: str) -> None:
    element = button(post["blocks"], action_id)
    message = {"ts": post.response["ts"], "text": post["text"], "blocks": post["blocks"]}
    response = bot.click(
        element["action_id"], element.get("value"), user, channel=REVIEW_CHANNEL, message=message
    )
    assert response.status == 200


def submit(bot: BotHarness, callback: str, values: dict[str, Any], metadata: str, user: str) -> Any:
    response = bot.slack.send(bot.payloads.view_submission(callback, values, metadata, user))
    assert response.status == 200
    return response.json()


def state(bot: BotHarness, item_id: int) -> tuple[Any, ...]:
    with bot.session() as session:
        item, review = session.get(Item, item_id), session.scalars(select(Review)).one()
        assert item is not None
        audits = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.actor != OTHER))
        return (item.status, item.final_label, item.final_method, review.status, audits)


def thread_notes(bot: BotHarness, count: int = 1) -> list[Call]:
    def found() -> list[Call]:
        return [c for c in bot.fake.calls_to("chat.postMessage") if c.get("thread_ts")]

    notes = eventually(lambda: len(found()) >= count and found())
    assert notes, "no thread reply"
    return list(notes)


def note_values(label: str, note: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "review_label": {
            "review_label": {"type": "static_select", "selected_option": {"value": label}}
        }
    }
    values["review_note"] = {"review_note": {"type": "plain_text_input", "value": note}}
    return values


def test_a_lead_resolves_in_one_click_the_post_and_thread_close_and_it_is_audited(
    bot: BotHarness,
) -> None:
    item_id, post = disputed(bot)

    press(bot, post, f"{Action.RESOLVE}:negative", LEAD)

    update = bot.fake.wait_for("chat.update")[0]
    assert (update["channel"], update["ts"]) == (REVIEW_CHANNEL, post.response["ts"])
    assert f"*Resolved as Negative* by {shown_name(LEAD)}" in all_text(update["blocks"])
    assert not [b for b in update["blocks"] if b["type"] == "actions"]
    thread = thread_notes(bot)
    assert thread[0]["thread_ts"] == post.response["ts"]
    assert f"Resolved as *Negative* by {shown_name(LEAD)}" in all_text(thread[0]["blocks"])
    with bot.session() as session:
        item = session.get(Item, item_id)
        review = session.scalars(select(Review)).one()
        audit = session.scalars(select(AuditEvent).where(AuditEvent.actor == LEAD)).all()
        assert item is not None
        assert (item.final_label, item.final_method, item.status) == (
            "negative",
            FinalMethod.ADJUDICATED,
            ItemStatus.COMPLETE,
        )
        assert (review.status, review.resolver, review.resolution) == (
            ReviewStatus.RESOLVED,
            LEAD,
            "negative",
        )
        assert [a.action for a in audit] == ["send_to_review", "resolve_review"]
        assert audit[1].detail["label"] == "negative"


def test_annotators_who_answered_differently_get_a_dm_with_the_decision_and_note(
    bot: BotHarness,
) -> None:
    _, post = disputed(bot)
    press(bot, post, Action.OPEN_RESOLVE, LEAD)
    modal = bot.fake.wait_for("views.open")[0]["view"]
    assert modal["callback_id"] == View.RESOLVE

    reply = submit(
        bot,
        View.RESOLVE,
        note_values("negative", "Broken <means> negative"),
        modal["private_metadata"],
        LEAD,
    )

    assert reply is None or not reply.get("errors")
    opened = bot.fake.wait_for("conversations.open", 2)
    assert sorted(c["users"] for c in opened) == [ANNOT, "U0ANNOT003"]
    dms = [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"].startswith("D")]
    text = all_text(dms[0]["blocks"])
    assert f"<@{LEAD}> decided *Negative*" in text
    assert "Broken &lt;means&gt; negative" in text
    with bot.session() as session:
        assert session.scalars(select(Review.resolution_note)).one() == "Broken <means> negative"


def test_no_dms_when_the_project_turns_notifications_off(bot: BotHarness) -> None:
    _, post = disputed(bot, review={"notify_dissenters": False})

    press(bot, post, f"{Action.RESOLVE}:negative", LEAD)

    bot.fake.wait_for("chat.update")
    bot.fake.assert_not_called("conversations.open", within=0.2)


def test_the_resolve_form_is_prefilled_with_the_majority(bot: BotHarness) -> None:
    item_id = setup_item(bot, "text")
    answer(bot, item_id, ANNOT, "neutral")
    answer(bot, item_id, OTHER, "neutral")
    answer(bot, item_id, "U0ANNOT003", "negative")
    post = open_and_post(bot, item_id)

    press(bot, post, Action.OPEN_RESOLVE, LEAD)

    modal = bot.fake.wait_for("views.open")[0]["view"]
    select_element = modal["blocks"][1]["element"]
    assert select_element["initial_option"]["value"] == "neutral"


def test_someone_who_is_not_a_lead_is_refused_privately_and_nothing_changes(
    bot: BotHarness,
) -> None:
    item_id, post = disputed(bot)
    before = state(bot, item_id)

    for action in (f"{Action.RESOLVE}:negative", Action.SEND_BACK, Action.OPEN_RESOLVE):
        press(bot, post, action, STRANGER)

    refusals = bot.fake.wait_for("response_url", 3)
    for refusal in refusals:
        assert refusal["response_type"] == "ephemeral"
        assert "Only a lead of" in all_text(refusal["blocks"])
    assert state(bot, item_id) == before
    bot.fake.assert_not_called("chat.update", within=0.2)
    bot.fake.assert_not_called("views.open")


def test_a_forged_form_submission_by_a_non_lead_is_refused(bot: BotHarness) -> None:
    item_id, _ = disputed(bot)
    before = state(bot, item_id)
    with bot.session() as session:
        review_id = session.scalars(select(Review.id)).one()
    metadata = ReviewRef(review_id=review_id).encode()

    reply = submit(bot, View.RESOLVE, note_values("positive", "mine"), metadata, STRANGER)
    flagged = submit(
        bot,
        View.EDGE_CASE,
        {"edge_hard": {"edge_hard": {"type": "plain_text_input", "value": "x"}}},
        metadata,
        STRANGER,
    )

    assert reply["response_action"] == "errors" and "Only a lead" in str(reply["errors"])
    assert flagged["response_action"] == "errors"
    assert state(bot, item_id) == before
    with bot.session() as session:
        assert session.scalar(select(func.count(EdgeCase.id))) == 0


def test_a_lead_of_another_project_cannot_decide_this_one(bot: BotHarness) -> None:
    item_id, post = disputed(bot)
    before = state(bot, item_id)
    with bot.session() as session:
        review_id = session.scalars(select(Review.id)).one()
    forged = ReviewRef(review_id=review_id, choice="positive").encode()

    bot.click(f"{Action.RESOLVE}:positive", forged, "U0OTHERLD1", channel=REVIEW_CHANNEL)
    bot.click(f"{Action.RESOLVE}:positive", '{"r": "x"}', LEAD, channel=REVIEW_CHANNEL)

    texts = [all_text(r["blocks"]) for r in bot.fake.wait_for("response_url", 2)]
    assert any("Only a lead" in t for t in texts)
    assert any("not understood" in t for t in texts)
    assert state(bot, item_id) == before


def test_a_second_decision_on_a_closed_review_is_refused(bot: BotHarness) -> None:
    item_id, post = disputed(bot)
    press(bot, post, f"{Action.RESOLVE}:negative", LEAD)
    bot.fake.wait_for("chat.update")

    press(bot, post, f"{Action.RESOLVE}:positive", LEAD)

    [refusal] = bot.fake.wait_for("response_url")
    assert "Already decided" in all_text(refusal["blocks"])
    assert state(bot, item_id)[1] == "negative"


def test_send_back_asks_for_one_more_answer_and_returns_the_item_to_the_queues(
    bot: BotHarness,
) -> None:
    item_id = setup_item(bot, "needs a tiebreak", spec={"overlap": 2})
    answer(bot, item_id, ANNOT, "positive")
    answer(bot, item_id, OTHER, "negative")
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.answer_count, item.status = 2, ItemStatus.IN_REVIEW
    post = open_and_post(bot, item_id)

    press(bot, post, Action.SEND_BACK, LEAD)

    update = bot.fake.wait_for("chat.update")[0]
    assert "*Sent back* for more answers" in all_text(update["blocks"])
    assert "(now 3 needed)" in all_text(update["blocks"])
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert (item.required_answers, item.status, item.final_label) == (3, ItemStatus.OPEN, None)
        assert session.scalars(select(Review.status)).one() is ReviewStatus.SENT_BACK
        assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()[-1] == (
            "send_back_review"
        )
    with bot.session() as session:
        project = session.scalars(select(Project)).one()
        handed = assign_next(session, project, "U0NEWANNO1", utcnow(), random.Random(1))
        assert handed is not None and handed.item.id == item_id


def test_marking_an_edge_case_records_it_and_leaves_the_review_open(bot: BotHarness) -> None:
    item_id, post = disputed(bot)
    press(bot, post, Action.MARK_EDGE_CASE, LEAD)
    modal = bot.fake.wait_for("views.open")[0]["view"]
    assert modal["callback_id"] == View.EDGE_CASE
    empty = submit(bot, View.EDGE_CASE, {}, modal["private_metadata"], LEAD)
    assert empty["response_action"] == "errors"

    values = {
        "edge_hard": {"edge_hard": {"type": "plain_text_input", "value": "Sarcasm <vs> praise"}},
        "edge_wording": {
            "edge_wording": {"type": "plain_text_input", "value": "Irony is negative."}
        },
    }
    submit(bot, View.EDGE_CASE, values, modal["private_metadata"], LEAD)

    update = bot.fake.wait_for("chat.update")[0]
    assert "Edge case" in all_text(update["blocks"])
    button(update["blocks"], Action.OPEN_RESOLVE)  # still open for a decision
    thread = thread_notes(bot)[0]
    assert "Sarcasm &lt;vs&gt; praise" in all_text(thread["blocks"])
    with bot.session() as session:
        edge = session.scalars(select(EdgeCase)).one()
        assert (edge.what_makes_it_hard, edge.proposed_wording, edge.marked_by) == (
            "Sarcasm <vs> praise",
            "Irony is negative.",
            LEAD,
        )
        assert session.scalars(select(Review.status)).one() is ReviewStatus.OPEN
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-1] == "mark_edge_case"
