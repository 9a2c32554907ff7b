"""What Slack gets when a listener fails: never a 5xx; a person is told where Slack shows it;
an outage is one log line, a bug keeps its traceback."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any
from urllib.error import URLError

import pytest
from slack_bolt import BoltRequest
from sqlalchemy.exc import OperationalError

from bot.slack.request_errors import BROKEN, SLACK_DOWN, TRY_AGAIN, answer_error
from tests.slack_requests import SlackPayloads

payloads = SlackPayloads()
COMMAND = payloads.slash_command("next", "U0ANNOT001").payload
MODAL = payloads.view_submission(
    "unsure_modal", {}, "{}", "U0ANNOT001", blocks=[{"type": "input", "block_id": "note"}]
).payload
CLICK = payloads.block_action("skip", "{}", "U0ANNOT001").payload
OUTAGE = OperationalError(
    "SELECT 1", None, sqlite3.OperationalError("unable to open database file")
)


def answer(error: Exception, body: dict[str, Any]) -> tuple[int, str]:
    request = BoltRequest(body=body, mode="socket_mode")
    response = answer_error(error, body, request)
    return response.status, response.body


def test_a_database_outage_tells_the_person_to_try_again_in_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert answer(OUTAGE, COMMAND) == (200, TRY_AGAIN)
    status, body = answer(OUTAGE, MODAL)
    assert status == 200 and json.loads(body) == {
        "response_action": "errors",
        "errors": {"note": TRY_AGAIN},
    }
    assert answer(OUTAGE, CLICK) == (200, "")
    assert caplog.messages[0] == (
        "/label request failed: the database is unavailable (unable to open database file)"
    )
    assert not any(r.exc_info for r in caplog.records)


def test_slack_out_of_reach_is_an_outage_too(caplog: pytest.LogCaptureFixture) -> None:
    assert answer(URLError(ConnectionRefusedError(111, "Connection refused")), COMMAND) == (
        200,
        SLACK_DOWN,
    )
    assert "Slack is unreachable" in caplog.messages[0] and not caplog.records[0].exc_info


def test_a_bug_is_logged_with_its_traceback_and_answered_without_a_5xx(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        assert answer(RuntimeError("a bug"), COMMAND) == (200, BROKEN)
        assert answer(KeyError("missing"), CLICK) == (400, "")
    assert all(r.exc_info for r in caplog.records) and len(caplog.records) == 2
