"""The DM labeling loop, end to end through the signed HTTP endpoint and a fake Slack."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.slack.ids import Action
from bot.views.state import CardState
from storage.models import Annotation, GuidelineAck, Lease, LeaseStatus
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button

ANNOTATOR = "U0ANNOT001"


def setup(bot: BotHarness, texts: list[str], **spec_overrides: object) -> int:
    with bot.session() as session:
        project = create_project(session, make_spec(**spec_overrides))  # type: ignore[arg-type]
        add_items(session, project, texts)
        return project.id


def start_and_ack_guidelines(bot: BotHarness, user: str = ANNOTATOR) -> dict:
    """`/label next`, then press "I've read these"; returns the first item card's body."""
    assert bot.command("next", user).status == 200
    card = bot.fake.wait_for("chat.postMessage")[-1]
    bot.wait_response(1)  # "your card is in your DM"
    ack = button(card["blocks"], Action.ACK_GUIDELINES)
    message = {"ts": card.response["ts"], "blocks": card["blocks"], "text": card["text"]}
    clicked = bot.click(
        Action.ACK_GUIDELINES, ack["value"], user, channel=card["channel"], message=message
    )
    assert clicked.status == 200
    return bot.wait_response(2).body


def answers(bot: BotHarness) -> list[Annotation]:
    with bot.session() as session:
        return list(session.scalars(select(Annotation).order_by(Annotation.id)))


def test_label_next_shows_guidelines_before_the_first_item(bot: BotHarness) -> None:
    setup(bot, ["Great product, fast delivery"])

    assert bot.command("next", ANNOTATOR).status == 200

    dm = bot.fake.wait_for("chat.postMessage")[0]
    assert dm["channel"].startswith("D")
    shown = all_text(dm["blocks"])
    assert "*positive*\n\nHappy customer." in shown and "## " not in shown, "Markdown rendered"
    assert dm["unfurl_links"] is False and dm["text"]
    button(dm["blocks"], Action.ACK_GUIDELINES)
    assert bot.fake.calls_to("conversations.open")[0]["users"] == ANNOTATOR


def test_acknowledging_guidelines_stores_it_and_shows_the_first_item(bot: BotHarness) -> None:
    setup(bot, ["Great product, fast delivery"])

    card = start_and_ack_guidelines(bot)

    assert card["replace_original"] is True
    assert "Great product, fast delivery" in all_text(card["blocks"])
    assert "1 left · you today: 0" in all_text(card["blocks"])
    with bot.session() as session:
        assert session.scalar(select(func.count(GuidelineAck.id))) == 1


def test_one_click_records_the_answer_and_the_card_turns_into_the_next_item(
    bot: BotHarness,
) -> None:
    setup(bot, ["first review", "second review"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    response = bot.click(positive["action_id"], positive["value"], ANNOTATOR)

    assert response.status == 200
    [answer] = answers(bot)
    assert (answer.value, answer.annotator, answer.guideline_version) == (
        "positive",
        ANNOTATOR,
        "v1",
    )
    assert answer.seconds is not None and answer.seconds >= 0
    next_card = bot.wait_response(3).body
    text = all_text(next_card["blocks"])
    assert "second review" in text and "Recorded *Positive*" in text
    button(next_card["blocks"], Action.UNDO)


def test_the_answers_lead_the_card_and_no_control_outshines_them(bot: BotHarness) -> None:
    setup(bot, ["Great product"])

    card = start_and_ack_guidelines(bot)

    rows = [block for block in card["blocks"] if block["type"] == "actions"]
    assert [row["block_id"] for row in rows] == ["answer", "controls"]
    assert [e["text"]["text"] for e in rows[1]["elements"]] == ["Unsure…", "Skip", "Stop"]
    assert [e.get("style") for row in rows for e in row["elements"] if e.get("style")] == []


def test_a_double_click_or_retry_records_one_answer(bot: BotHarness) -> None:
    setup(bot, ["first review", "second review"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    negative = button(card["blocks"], f"{Action.ANSWER}:negative")

    first = bot.payloads.block_action(positive["action_id"], positive["value"], ANNOTATOR)
    assert bot.slack.send(first).status == 200
    assert bot.slack.send(first, timestamp=int(time.time()) + 1).status == 200  # same click again
    assert bot.click(negative["action_id"], negative["value"], ANNOTATOR).status == 200

    assert [a.value for a in answers(bot)] == ["positive"]


def test_a_replayed_request_is_refused(bot: BotHarness) -> None:
    setup(bot, ["first review"])

    assert bot.command("help", ANNOTATOR).status == 200
    assert bot.slack.replay().status == 401


def test_a_card_pressed_by_someone_else_changes_nothing(bot: BotHarness) -> None:
    setup(bot, ["first review"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    assert bot.click(positive["action_id"], positive["value"], "U0INTRUDER").status == 200

    assert answers(bot) == []
    refusal = bot.wait_response(3).body
    assert refusal["response_type"] == "ephemeral"


def test_a_forged_or_malformed_card_value_is_refused_politely(bot: BotHarness) -> None:
    setup(bot, ["first review"])
    start_and_ack_guidelines(bot)

    assert bot.click(f"{Action.ANSWER}:positive", '{"p": "x"', ANNOTATOR).status == 200
    forged = CardState(project_id=1, lease_id=999, choice="positive").encode()
    assert bot.click(f"{Action.ANSWER}:positive", forged, ANNOTATOR).status == 200

    assert answers(bot) == []


def test_undo_withdraws_the_answer_and_shows_the_item_again(bot: BotHarness) -> None:
    setup(bot, ["first review", "second review"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    bot.click(positive["action_id"], positive["value"], ANNOTATOR)
    undo = button(bot.wait_response(3).body["blocks"], Action.UNDO)

    assert bot.click(Action.UNDO, undo["value"], ANNOTATOR).status == 200
    again = bot.wait_response(4).body
    assert "first review" in all_text(again["blocks"])
    assert bot.click(Action.UNDO, undo["value"], ANNOTATOR).status == 200  # double click

    [withdrawn] = answers(bot)
    assert withdrawn.superseded_at is not None
    negative = button(again["blocks"], f"{Action.ANSWER}:negative")
    bot.click(negative["action_id"], negative["value"], ANNOTATOR)
    assert [(a.value, a.superseded_at is None) for a in answers(bot)] == [
        ("positive", False),
        ("negative", True),
    ]


def test_skip_returns_the_item_to_others_but_never_to_the_skipper(bot: BotHarness) -> None:
    setup(bot, ["first review", "second review"])
    card = start_and_ack_guidelines(bot)
    skip = button(card["blocks"], Action.SKIP)

    bot.click(Action.SKIP, skip["value"], ANNOTATOR)

    next_card = bot.wait_response(3).body
    assert "second review" in all_text(next_card["blocks"])
    with bot.session() as session:
        statuses = sorted(s.value for s in session.scalars(select(Lease.status)))
    assert statuses == ["active", "skipped"]


def test_stop_returns_the_held_item_and_offers_to_restart(bot: BotHarness) -> None:
    setup(bot, ["first review"])
    card = start_and_ack_guidelines(bot)
    stop = button(card["blocks"], Action.STOP)

    bot.click(Action.STOP, stop["value"], ANNOTATOR)

    stopped = bot.wait_response(3).body
    assert "paused" in all_text(stopped["blocks"])
    button(stopped["blocks"], Action.START_LABELING)
    with bot.session() as session:
        assert session.scalar(select(Lease.status)) is LeaseStatus.RELEASED


def test_when_nothing_is_left_the_card_says_so_with_session_stats(bot: BotHarness) -> None:
    setup(bot, ["only review"])
    card = start_and_ack_guidelines(bot)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")

    bot.click(positive["action_id"], positive["value"], ANNOTATOR)

    done = all_text(bot.wait_response(3).body["blocks"])
    assert "nothing left" in done and "This session: 1" in done


def test_item_text_cannot_ping_channels_or_inject_links(bot: BotHarness) -> None:
    setup(bot, ["<!channel> hi <@U0BOSS> see <https://evil.example|bank> & more"])

    card = start_and_ack_guidelines(bot)

    text = all_text(card["blocks"])
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "<https://" not in text
    assert "&lt;!channel&gt; hi &lt;@U0BOSS&gt;" in text and "&amp; more" in text


def test_requests_with_a_bad_signature_or_stale_timestamp_are_refused(bot: BotHarness) -> None:
    setup(bot, ["first review"])
    request = bot.payloads.slash_command("next", ANNOTATOR)

    assert bot.slack.send(request, bad_signature=True).status == 401
    assert bot.slack.send(request, stale=True).status == 401
    bot.fake.assert_not_called("chat.postMessage", within=0.3)


def test_people_outside_the_annotator_list_are_told_so_and_nothing_is_recorded(
    bot: BotHarness,
) -> None:
    setup(
        bot,
        ["first review"],
        slack={"leads": ["U0LEAD0001"], "annotators": {"mode": "list", "users": ["U0ANNOT002"]}},
    )

    bot.command("next sentiment", ANNOTATOR)

    reply = bot.wait_response(1).body
    assert "not on the annotator list" in all_text(reply["blocks"])
    bot.fake.assert_not_called("chat.postMessage")
    with bot.session() as session:
        assert session.scalar(select(func.count(Lease.id))) == 0
