"""A button whose value is missing, garbled, oversized or forged is acked and refused politely.

Every listener that reads state from its button's value is checked here: Slack gets its ack
(200), the presser gets one private notice, and nothing opens, updates or is stored.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.flows.cards import BAD_CARD
from bot.slack.ids import Action
from bot.views.state import CardState
from handlers.lookup_actions import BAD_BUTTON as BAD_LOOKUP_BUTTON
from handlers.review_actions import BAD_BUTTON
from storage.models import Annotation, AuditEvent
from tests.harness import BotHarness

PRESSER = "U0ANNOT001"
GARBLED_VALUES = [None, "", '{"p": "x"', "{" * 4000, '{"p": 1, "unexpected": true}']

CARD_BUTTONS = [
    f"{Action.ANSWER}:positive",
    Action.SUBMIT_CHOICES,
    Action.UNDO,
    Action.SKIP,
    Action.STOP,
    Action.ACK_GUIDELINES,
    Action.UNSURE,
    Action.OPEN_FREE_TEXT,
    Action.SHOW_FULL_TEXT,
    f"{Action.CHANNEL_ANSWER}:positive",
]
REVIEW_BUTTONS = [
    f"{Action.RESOLVE}:positive",
    Action.SEND_BACK,
    Action.OPEN_RESOLVE,
    Action.MARK_EDGE_CASE,
]
LOOKUP_BUTTONS = [Action.OPEN_ITEM, Action.SEND_TO_REVIEW, Action.RELABEL]
ITEM_ID_GARBLED = [None, "", "12x", "-3", "9" * 40]


def refusals_after_garbled_clicks(
    bot: BotHarness, action_id: str, values: list[str | None] = GARBLED_VALUES
) -> list[str]:
    for value in values:
        assert bot.click(action_id, value, PRESSER, trigger_id="1.2.3").status == 200, value
    replies = bot.fake.wait_for("response_url", len(values))
    assert all(r.body["response_type"] == "ephemeral" for r in replies)
    return [r.body["text"] for r in replies]


def assert_nothing_happened(bot: BotHarness) -> None:
    bot.fake.assert_not_called("views.open", within=0.2)
    bot.fake.assert_not_called("chat.update")
    bot.fake.assert_not_called("chat.postMessage")
    with bot.session() as session:
        assert session.scalar(select(func.count(Annotation.id))) == 0
        assert session.scalar(select(func.count(AuditEvent.id))) == 0


@pytest.mark.parametrize("action_id", CARD_BUTTONS)
def test_a_card_button_with_a_garbled_value_is_acked_and_refused(
    bot: BotHarness, action_id: str
) -> None:
    assert refusals_after_garbled_clicks(bot, action_id) == [BAD_CARD] * len(GARBLED_VALUES)
    assert_nothing_happened(bot)


@pytest.mark.parametrize("action_id", REVIEW_BUTTONS)
def test_a_review_button_with_a_garbled_value_is_acked_and_refused(
    bot: BotHarness, action_id: str
) -> None:
    assert refusals_after_garbled_clicks(bot, action_id) == [BAD_BUTTON] * len(GARBLED_VALUES)
    assert_nothing_happened(bot)


@pytest.mark.parametrize("action_id", LOOKUP_BUTTONS)
def test_a_lookup_button_without_an_item_id_is_acked_and_refused(
    bot: BotHarness, action_id: str
) -> None:
    refusals = refusals_after_garbled_clicks(bot, action_id, ITEM_ID_GARBLED)
    assert refusals == [BAD_LOOKUP_BUTTON] * len(ITEM_ID_GARBLED)
    assert_nothing_happened(bot)


def test_a_channel_answer_whose_state_names_no_item_or_choice_is_refused(bot: BotHarness) -> None:
    for state in (CardState(project_id=1, choice="positive"), CardState(project_id=1, item_id=1)):
        action_id = f"{Action.CHANNEL_ANSWER}:positive"
        assert bot.click(action_id, state.encode(), PRESSER).status == 200

    replies = bot.fake.wait_for("response_url", 2)
    assert [r.body["text"] for r in replies] == [BAD_CARD, BAD_CARD]
    assert_nothing_happened(bot)
