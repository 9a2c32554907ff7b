"""Malformed, oversized and odd payloads: never a crash, a stack trace or a partial write."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.slack.ids import Action, View
from storage.models import Annotation, Lease
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness
from tests.slack_requests import SlackRequest

ACTION_IDS = [
    f"{Action.ANSWER}:positive",
    Action.UNDO,
    Action.SKIP,
    Action.STOP,
    Action.ACK_GUIDELINES,
    Action.START_LABELING,
    Action.SUBMIT_CHOICES,
    f"{Action.CHANNEL_ANSWER}:positive",
    Action.UNSURE,
    Action.SHOW_FULL_TEXT,
]
odd_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.just("x" * 20_000)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(odd_text, children, max_size=3)
    ),
    max_leaves=8,
)


def _send(bot: BotHarness, payload: Any) -> int:
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    request = SlackRequest("application/x-www-form-urlencoded", body, {})
    response = bot.slack.send(request)
    assert "Traceback" not in response.body
    return response.status


def _nothing_written(bot: BotHarness) -> None:
    with bot.session() as session:
        assert session.scalar(select(func.count(Annotation.id))) == 0
        assert session.scalar(select(func.count(Lease.id))) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(action_id=st.sampled_from(ACTION_IDS), value=json_values, user=json_values)
def test_block_actions_with_garbage_values_never_crash_or_write(
    bot: BotHarness, action_id: str, value: Any, user: Any
) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": user} if not isinstance(user, str) else {"id": "U0FUZZ0001"},
        "team": {"id": "T0LABELER"},
        "api_app_id": "A0LABELER",
        "trigger_id": "1.2.3",
        "container": {"type": "message", "channel_id": "D0FUZZ", "message_ts": "1.1"},
        "response_url": bot.fake.response_url("actions"),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "type": "button",
                "value": value if isinstance(value, str) else json.dumps(value),
            }
        ],
    }
    assert _send(bot, payload) < 500
    _nothing_written(bot)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(metadata=json_values, values=json_values)
def test_view_submissions_with_garbage_state_never_crash_or_write(
    bot: BotHarness, metadata: Any, values: Any
) -> None:
    for callback in (View.UNSURE, View.FREE_TEXT, View.LABEL_MESSAGE):
        payload = {
            "type": "view_submission",
            "user": {"id": "U0FUZZ0001"},
            "team": {"id": "T0LABELER"},
            "api_app_id": "A0LABELER",
            "view": {
                "callback_id": callback,
                "private_metadata": json.dumps(metadata),
                "state": {"values": values},
                "blocks": [],
            },
        }
        assert _send(bot, payload) < 500
    _nothing_written(bot)


def test_malformed_envelopes_get_a_client_error(bot: BotHarness) -> None:
    with bot.session() as session:
        add_items(session, create_project(session, make_spec()), ["one"])
    for body in ("payload=%7Bnot-json", "payload=", "", "\x00\x01", "text=" + "a" * 100_000):
        request = SlackRequest("application/x-www-form-urlencoded", body, {})
        response = bot.slack.send(request)
        assert response.status < 500 and "Traceback" not in response.body
    _nothing_written(bot)
