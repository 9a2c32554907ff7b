"""Every kind of bad request gets its documented status (docs/labeling.md), one warning line
naming the reason and the client, no traceback, and changes nothing."""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import quote, urlencode, urlsplit

import pytest
from sqlalchemy import Engine

from bot.flows.cards import BAD_CARD
from bot.slack.gate import MAX_BODY_BYTES, RequestGate
from bot.slack.ids import Action
from bot.slack.replay_guard import ReplayGuard
from bot.views.state import CardState
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, domain_snapshot
from tests.slack_requests import FORM, JSON, SlackRequest, SlackResponse

USER = "U0ANNOT001"


@pytest.fixture
def quiet_bot(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> Iterator[BotHarness]:
    """A bot with a project and items; afterwards the data must be exactly as it was."""
    with bot.session() as session:
        add_items(session, create_project(session, make_spec()), ["one", "two"])
    before = domain_snapshot(bot)
    caplog.clear()
    yield bot
    assert domain_snapshot(bot) == before


def the_one_warning(caplog: pytest.LogCaptureFixture) -> str:
    """The single line logged at WARNING or above, which must carry no traceback."""
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    [record] = records
    assert record.levelno == logging.WARNING and not record.exc_info and not record.exc_text
    return record.getMessage()


def form(payload: object) -> SlackRequest:
    return SlackRequest(FORM, urlencode({"payload": json.dumps(payload)}), {})


def raw(body: str, content_type: str = FORM) -> SlackRequest:
    return SlackRequest(content_type, body, {})


def post(url: str, headers: dict[str, str], body: bytes = b"", method: str = "POST") -> int:
    """A request http.client sends as given (a Content-Length that does not match the body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.putrequest(method, parts.path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        return connection.getresponse().status
    finally:
        connection.close()


UNSIGNED_BODIES = [
    urlencode({"payload": "[]"}),
    urlencode({"payload": "null"}),
    urlencode({"payload": '"a string"'}),
    "[1, 2]",
    "",
]


@pytest.mark.parametrize("body", UNSIGNED_BODIES)
def test_an_unsigned_request_is_refused_before_its_body_is_read(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    response = quiet_bot.slack.post_raw(body.encode(), {"Content-Type": FORM})

    assert response.status == 401
    assert the_one_warning(caplog) == "refused a request from 127.0.0.1: unsigned request"


NOW = "now"


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        ("not-a-number", "v0=" + "0" * 64, "malformed timestamp"),
        ("9" * 40, "v0=" + "0" * 64, "malformed timestamp"),
        ("-400", "v0=" + "0" * 64, "outside the five-minute window"),
        ("+400", "v0=" + "0" * 64, "outside the five-minute window"),
        (NOW, "v0=" + "0" * 64, "bad signature"),
        (NOW, "v0=\u00e9t\u00e9", "bad signature"),
    ],
)
def test_a_forged_or_stale_signature_is_refused(
    quiet_bot: BotHarness,
    caplog: pytest.LogCaptureFixture,
    timestamp: str,
    signature: str,
    reason: str,
) -> None:
    if timestamp == NOW or timestamp[0] in "+-":
        timestamp = str(int(time.time()) + (int(timestamp) if timestamp != NOW else 0))
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }

    status = post(quiet_bot.url, headers, urlencode({"payload": "[]"}).encode())

    assert status == 401
    assert reason in the_one_warning(caplog)


MALFORMED = [
    (form([]), "not a JSON object"),
    (form(None), "not a JSON object"),
    (form("a string"), "not a JSON object"),
    (raw("[1, 2]", JSON), "not a JSON object"),
    (raw('"text"', JSON), "not a JSON object"),
    (raw("payload=%7Bnot-json"), "unreadable body (JSONDecodeError)"),
    (raw('{"a":' + "[" * 100_000 + "]" * 100_000 + "}", JSON), "unreadable body"),
    (raw("text=hello"), "neither a command nor a payload type"),
    (raw(json.dumps({"type": "interactive_message"}), JSON), "unsupported payload type"),
    (form({"type": "block_actions", "user": {"id": USER}, "actions": []}), "actions"),
    (raw(json.dumps({"type": "event_callback", "event": "a string"}), JSON), "event"),
    (raw(json.dumps({"type": "event_callback", "event": {}}), JSON), "event.type"),
    (
        form({"type": "block_actions", "user": {"id": "u" * 100}, "actions": [{"action_id": "x"}]}),
        "user.id",
    ),
    (
        raw(urlencode({"command": "/label", "user_id": USER, "text": "search a\x00b"})),
        "NUL character",
    ),
    (raw('{"type": "app_rate_limited", "minute_rate_limited": NaN}', JSON), "not finite"),
    (
        form(
            {
                "type": "block_actions",
                "user": {"id": USER},
                "actions": [{"action_id": "skip"}],
                "enterprise": 5,  # Bolt's context extraction expects a string or an object
            }
        ),
        "Bolt cannot read it (TypeError)",
    ),
    (raw('{"type": "app_rate_limited", "n": ' + "9" * 30 + "}", JSON), "out of range"),
]


@pytest.mark.parametrize(("request_", "reason"), MALFORMED)
def test_a_signed_payload_without_the_fields_its_type_requires_gets_400(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture, request_: SlackRequest, reason: str
) -> None:
    response = quiet_bot.slack.send(request_)

    assert response.status == 400
    assert "Traceback" not in response.body
    line = the_one_warning(caplog)
    assert line.startswith("refused a request from 127.0.0.1: ") and reason in line


def test_a_signed_body_that_is_not_utf8_gets_400(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body, timestamp = b"payload=\xff\xfe", str(int(time.time()))
    signature = quiet_bot.slack.sign_bytes(body, timestamp)
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}

    assert quiet_bot.slack.post_raw(body, {"Content-Type": FORM, **headers}).status == 400
    assert the_one_warning(caplog) == "refused a request from 127.0.0.1: the body is not UTF-8"


def test_a_body_over_the_size_limit_gets_413_without_being_read(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Content-Type": FORM, "Content-Length": str(MAX_BODY_BYTES + 1)}

    assert post(quiet_bot.url, headers) == 413  # only the headers are ever sent
    assert f"over {MAX_BODY_BYTES}" in the_one_warning(caplog)


def test_an_unreadable_content_length_gets_400(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    assert post(quiet_bot.url, {"Content-Type": FORM, "Content-Length": "12abc"}) == 400
    assert "unreadable Content-Length" in the_one_warning(caplog)


@pytest.mark.parametrize(("method", "path"), [("POST", "/"), ("POST", "/admin"), ("GET", "")])
def test_any_other_path_or_method_gets_404(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture, method: str, path: str
) -> None:
    response = quiet_bot.slack.post_raw(b"", {}, url=quiet_bot.url + path, method=method)

    assert response.status == 404
    assert "no such endpoint" in the_one_warning(caplog)


def test_a_well_formed_event_no_listener_handles_gets_404_and_one_line(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    event = {"type": "reaction_added", "user": USER, "reaction": "thumbsup"}

    response = quiet_bot.slack.send(quiet_bot.payloads.event(event))

    assert response.status == 404
    assert the_one_warning(caplog) == (
        "no listener for a event reaction_added request from 127.0.0.1"
    )


def test_a_replay_is_refused_with_401(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    assert quiet_bot.command("help", USER).status == 200
    quiet_bot.wait_response(1)

    assert quiet_bot.slack.replay().status == 401
    assert the_one_warning(caplog) == "refused a request from 127.0.0.1: replayed request"


def test_a_forwarded_client_address_is_logged_cleaned_of_anything_but_an_address(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    forwarded = "203.0.113.7\r\nINFO fake line"

    post(quiet_bot.url, {"X-Forwarded-For": quote(forwarded, safe=". ")})

    assert "from 127.0.0.1 (forwarded for 203.0.113.7" in the_one_warning(caplog)


@pytest.mark.parametrize("huge", [str(2**70), str(-1), "0"])
def test_a_card_button_naming_an_id_no_row_can_have_is_refused_politely(
    quiet_bot: BotHarness, caplog: pytest.LogCaptureFixture, huge: str
) -> None:
    value = CardState(project_id=1, lease_id=1).encode().replace('"l":1', f'"l":{huge}')

    response: SlackResponse = quiet_bot.click(f"{Action.ANSWER}:positive", value, USER)

    assert response.status == 200
    assert quiet_bot.wait_response(1).body["text"] == BAD_CARD
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("empty", ["", "  "])
def test_no_gate_can_be_built_on_an_empty_signing_secret(engine: Engine, empty: str) -> None:
    with pytest.raises(ValueError, match="empty signing secret"):
        RequestGate(empty, ReplayGuard(engine))
