"""Arbitrary requests against the running HTTP endpoint: any path, method, content type, header
and body, unsigned or signed with the real secret. The answer is always 2xx, 400, 401, 404 or
413, nothing is logged as an error or with a traceback, and the data is exactly as it was."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.slack.ids import Action, Shortcut, View
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, domain_snapshot
from tests.slack_requests import FORM, JSON, SlackRequest

ALLOWED = {200, 400, 401, 404, 413}
USER = "U0FUZZ0001"
#: Subcommands that only read (the others may rightly write, e.g. feedback or a lease).
READ_ONLY_COMMANDS = ["help", "me", "stats", "search one", "item 1", "guidelines", "", "nonsense"]

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)
content_types = st.sampled_from(
    [FORM, JSON, "text/plain", "multipart/form-data; boundary=x", "application/json; charset=x"]
) | header_text.map(lambda t: t.strip())
#: Mostly Slack's endpoint and POST, so most examples reach the signature check and beyond.
paths = st.sampled_from(["/slack/events"] * 12 + ["/slack/events/", "/", "random"]).flatmap(
    lambda p: text.map(lambda t: "/" + quote(t)) if p == "random" else st.just(p)
)
methods = st.sampled_from(["POST"] * 8 + ["GET", "PUT"])


def templates(bot: BotHarness) -> list[SlackRequest]:
    """One real request of every kind the app serves, from someone on no annotator list."""
    payloads = bot.payloads
    message = {"type": "message", "text": "hi", "user": USER, "ts": "1700000000.000100"}
    return [
        *(payloads.slash_command(command, USER) for command in READ_ONLY_COMMANDS),
        *(payloads.block_action(action, "{}", USER) for action in Action),
        payloads.view_submission(View.UNSURE, {}, "{}", USER),
        payloads.view_closed(View.FREE_TEXT, USER),
        payloads.message_shortcut(Shortcut.LABEL_MESSAGE, message, "C0SOURCE01", USER),
        payloads.app_home_opened(USER),
        payloads.channel_message("C0LABELING", USER, "hello"),
        payloads.url_verification(),
    ]


def mutated(request: SlackRequest, data: st.DataObject) -> str:
    """`request` with some of its fields (top level or one below) replaced by any JSON value."""
    payload: dict[str, Any] = json.loads(json.dumps(request.payload))
    places = [(payload, key) for key in payload]
    places += [(v, k) for v in payload.values() if isinstance(v, dict) for k in v]
    replace = st.lists(st.sampled_from(places), max_size=data.draw(st.sampled_from([0, 1, 1, 3])))
    for node, key in data.draw(replace, label="replace"):
        node[key] = data.draw(json_values, label=f"value of {key}")
    if request.content_type == JSON:
        return json.dumps(payload)
    if "payload" in request.body:
        return urlencode({"payload": json.dumps(payload)})
    return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()})


def arbitrary_body(bot: BotHarness, data: st.DataObject) -> bytes:
    kinds = ["template"] * 4 + ["bytes", "json", "form", "payload"]
    kind = data.draw(st.sampled_from(kinds), label="body kind")
    if kind == "template":
        return mutated(data.draw(st.sampled_from(templates(bot))), data).encode()
    if kind == "bytes":
        return data.draw(st.binary(max_size=2000))
    if kind == "json":
        return json.dumps(data.draw(json_values)).encode()
    if kind == "form":
        return urlencode(data.draw(st.dictionaries(text, text, max_size=5))).encode()
    return urlencode({"payload": json.dumps(data.draw(json_values))}).encode()


@pytest.fixture
def fuzzed_bot(bot: BotHarness) -> BotHarness:
    with bot.session() as session:
        spec = make_spec(
            slack={"leads": ["U0LEAD0001"], "annotators": {"mode": "list", "users": ["U0ANNOT1"]}}
        )
        add_items(session, create_project(session, spec), ["one", "two"])
    return bot


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_request_gets_a_5xx_a_traceback_or_changes_anything(
    fuzzed_bot: BotHarness, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    bot = fuzzed_bot
    before = domain_snapshot(bot)
    caplog.clear()
    body = arbitrary_body(bot, data)
    headers = {"Content-Type": data.draw(content_types, label="content type")}
    if data.draw(st.sampled_from([True, True, True, False]), label="signed"):
        timestamp = str(int(time.time()))
        signature = bot.slack.sign_bytes(body, timestamp)
        headers |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    else:
        for name in data.draw(st.sets(st.sampled_from(["Timestamp", "Signature"]), max_size=2)):
            headers[f"X-Slack-Request-{name}"] = data.draw(header_text, label=name)
    method = data.draw(methods, label="method")
    url = bot.url.removesuffix("/slack/events") + data.draw(paths, label="path")

    response = bot.slack.post_raw(body, headers, url=url, method=method)
    event(f"HTTP {response.status}")

    assert response.status in ALLOWED
    assert "Traceback" not in response.body
    trouble = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not trouble, [r.getMessage() for r in trouble]
    assert domain_snapshot(bot) == before
