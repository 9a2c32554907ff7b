"""The test doubles themselves: the fake Web API answers a real WebClient as Slack would,
and signed requests pass (or fail) Bolt's verification over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fake_slack import DEFAULT_SCOPES, FakeSlack
from tests.slack_requests import SignedClient, SlackPayloads, serve_bolt_app

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token=TOKEN)


@pytest.fixture
def payloads(fake: FakeSlack) -> SlackPayloads:
    return SlackPayloads(fake)


# -- the fake Web API ----------------------------------------------------------------------


def test_auth_test_reports_scopes_header_and_bot_identity(
    fake: FakeSlack, client: WebClient
) -> None:
    response = client.auth_test()

    assert response["user_id"] == fake.bot_user_id
    assert response["bot_id"] == fake.bot_id
    assert response.headers["x-oauth-scopes"].split(",") == list(DEFAULT_SCOPES)
    assert fake.last("auth.test").token == TOKEN


def test_calls_are_recorded_with_decoded_blocks_and_redacted_token(
    fake: FakeSlack, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    # Form-encoded methods carry JSON strings; the fake decodes them too.
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})

    json_call, form_call = fake.calls_to("chat.postMessage")
    assert json_call.body["blocks"] == blocks
    assert form_call.body["blocks"] == blocks
    assert json_call.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(json_call)
    assert TOKEN not in repr(json_call.headers)


def test_post_message_ts_increase_and_messages_feed_replies_and_permalinks(
    client: WebClient,
) -> None:
    parent = client.chat_postMessage(channel="C1", text="item 1")
    reply = client.chat_postMessage(channel="C1", text="why?", thread_ts=parent["ts"])

    assert float(reply["ts"]) > float(parent["ts"])
    assert parent["ts"] == "1700000000.000100"
    assert parent["message"]["text"] == "item 1"
    replies = client.conversations_replies(channel="C1", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["item 1", "why?"]
    link = client.chat_getPermalink(channel="C1", message_ts=reply["ts"])["permalink"]
    assert link.endswith(f"?thread_ts={parent['ts']}&cid=C1")
    with pytest.raises(SlackApiError) as err:
        client.conversations_replies(channel="C1", ts="1.000000")
    assert err.value.response["error"] == "thread_not_found"


def test_chat_methods(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U123", text="hello")
    assert posted["channel"] == "D123"
    updated = client.chat_update(channel="D123", ts=posted["ts"], text="edited", blocks=[])
    assert updated["ts"] == posted["ts"]
    assert updated["message"]["text"] == "edited"
    ephemeral = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert ephemeral["message_ts"]
    assert client.chat_delete(channel="D123", ts=posted["ts"])["ok"]
    assert fake.messages("D123") == []


def test_conversations_open_returns_a_dm_channel(client: WebClient) -> None:
    response = client.conversations_open(users="U042")
    assert response["channel"]["id"] == "D042"


def test_views_open_push_update_publish(client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "unsure_modal",
        "title": {"type": "plain_text", "text": "Unsure"},
        "private_metadata": '{"item": 1}',
        "blocks": [],
    }
    opened = client.views_open(trigger_id="1.2.3", view=modal)["view"]
    assert opened["id"].startswith("V")
    assert opened["callback_id"] == "unsure_modal"
    assert opened["state"] == {"values": {}}

    pushed = client.views_push(trigger_id="1.2.4", view=modal)["view"]
    assert pushed["id"] != opened["id"]

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)["view"]
    assert updated["id"] == opened["id"]
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)
    assert err.value.response["error"] == "hash_conflict"

    home = {"type": "home", "blocks": []}
    first = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view=home)["view"]
    assert first["type"] == "home"
    assert again["id"] == first["id"]


def test_users_and_usergroups(fake: FakeSlack, client: WebClient) -> None:
    assert client.users_info(user="U1")["user"]["id"] == "U1"
    fake.add_user("U2", real_name="Ada", tz="Asia/Tokyo", profile={"display_name": "ada"})
    user = client.users_info(user="U2")["user"]
    assert (user["real_name"], user["tz"], user["profile"]["display_name"]) == (
        "Ada",
        "Asia/Tokyo",
        "ada",
    )
    fake.set_usergroup("S1", ["U1", "U2"])
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError):
        client.usergroups_users_list(usergroup="S404")


def test_unknown_methods_and_missing_tokens_are_refused(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake.url, token=TOKEN).api_call("admin.nothing.here")
    assert err.value.response["error"] == "unknown_method"
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake.url).chat_postMessage(channel="C1", text="x")
    assert err.value.response["error"] == "not_authed"


def test_set_response_overrides_a_method(fake: FakeSlack, client: WebClient) -> None:
    fake.set_response("users.info", lambda call: {"ok": True, "user": {"id": call["user"]}})
    assert client.users_info(user="U9")["user"] == {"id": "U9"}


def test_files_upload_v2_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    content = b"item_id,label\n1,spam\n2,ham\n"

    response = client.files_upload_v2(
        content=content, filename="export.csv", title="Export", channel="C1", initial_comment="done"
    )

    assert fake.methods()[-3:] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    file_id = response["file"]["id"]
    assert fake.uploads[file_id] == content
    assert fake.last("file_upload").raw == content
    get_url = fake.last("files.getUploadURLExternal")
    assert get_url["filename"] == "export.csv"
    assert int(get_url["length"]) == len(content)
    complete = fake.last("files.completeUploadExternal")
    assert complete["files"] == [{"id": file_id, "title": "Export"}]
    assert complete["channel_id"] == "C1"
    assert complete["initial_comment"] == "done"


def test_scripted_rate_limit_is_retried_after_retry_after(fake: FakeSlack) -> None:
    client = WebClient(
        base_url=fake.url,
        token=TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"]
    assert time.monotonic() - started >= 1.0
    limited, succeeded = fake.calls_to("chat.postMessage")
    assert (limited.status, succeeded.status) == (429, 200)


def test_scripted_failures_without_a_retry_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.update", status=429, retry_after=7)
    fake.fail_next("chat.update", error="message_not_found")
    fake.fail_next("chat.update", status=500)

    with pytest.raises(SlackApiError) as limited:
        client.chat_update(channel="C1", ts="1.0", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    with pytest.raises(SlackApiError) as error:
        client.chat_update(channel="C1", ts="1.0", text="x")
    assert error.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as server_error:
        client.chat_update(channel="C1", ts="1.0", text="x")
    assert server_error.value.response.status_code == 500
    assert client.chat_update(channel="C1", ts="1.0", text="x")["ok"]


def test_scripted_delay_and_wait_for(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("views.publish", delay=0.3)
    thread = threading.Thread(
        target=client.views_publish, kwargs={"user_id": "U1", "view": {"type": "home"}}
    )
    started = time.monotonic()
    thread.start()
    (call,) = fake.wait_for("views.publish", timeout=2)
    assert call["user_id"] == "U1"
    thread.join(timeout=5)
    assert time.monotonic() - started >= 0.3
    with pytest.raises(AssertionError, match="got 0"):
        fake.wait_for("chat.postMessage", timeout=0.1)


def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    url = fake.response_url()
    WebhookClient(url).send(text="done", replace_original=True)

    call = fake.wait_for("response_url")[0]
    assert call.path.startswith("/response/")
    assert call.body == {"text": "done", "replace_original": True}


def test_reset_forgets_calls_and_state(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="x")
    fake.fail_next("auth.test", error="invalid_auth")
    fake.reset()
    assert fake.calls == []
    assert fake.messages() == []
    assert client.auth_test()["ok"]


# -- signed requests into a Bolt app over HTTP -----------------------------------------------


def test_signatures_verify_like_slacks(payloads: SlackPayloads) -> None:
    signer = SignedClient("http://unused", SECRET)
    verifier = SignatureVerifier(SECRET)
    request = payloads.slash_command("next", "U1")

    good = signer.headers_for(request)
    stale = signer.headers_for(request, stale=True)
    bad = signer.headers_for(request, bad_signature=True)

    def valid(headers: dict[str, str]) -> bool:
        return verifier.is_valid(
            body=request.body,
            timestamp=headers["X-Slack-Request-Timestamp"],
            signature=headers["X-Slack-Signature"],
        )

    assert valid(good)
    assert not valid(stale)
    assert not valid(bad)


def test_payload_shapes(payloads: SlackPayloads, fake: FakeSlack) -> None:
    command = payloads.slash_command("post 5 demo", "U1")
    fields = {k: v[0] for k, v in parse_qs(command.body).items()}
    assert fields["command"] == "/label"
    assert fields["text"] == "post 5 demo"
    assert fields["response_url"].startswith(fake.base_url + "response/")

    msg = {"type": "message", "ts": "1700000000.000100", "text": "card"}
    action = payloads.block_action("answer", "spam", "U1", block_id="item:1", message=msg)
    assert action.body.startswith("payload=")
    body = json.loads(parse_qs(action.body)["payload"][0])
    assert body["type"] == "block_actions"
    assert body["actions"][0]["action_id"] == "answer"
    assert body["container"]["message_ts"] == msg["ts"]

    event = payloads.thread_reply("C1", "1700000000.000100", None, "U1", "why?")
    assert event.content_type == "application/json"
    assert event.payload["type"] == "event_callback"
    assert event.payload["event"]["thread_ts"] == "1700000000.000100"
    assert event.payload["event_id"].startswith("Ev")


@pytest.fixture
def bolt_url(fake: FakeSlack) -> Iterator[str]:
    app = App(signing_secret=SECRET, client=WebClient(base_url=fake.url, token=TOKEN))

    @app.command("/label")
    def label(ack: Ack, respond: Respond) -> None:
        ack("working on it")
        respond("done")

    @app.event("app_home_opened")
    def home(event: dict[str, str], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    with serve_bolt_app(app) as url:
        yield url


def test_bolt_app_answers_a_signed_slash_command(
    bolt_url: str, fake: FakeSlack, payloads: SlackPayloads
) -> None:
    signer = SignedClient(bolt_url, SECRET)

    response = signer.send(payloads.slash_command("help", "U1"))

    assert response.status == 200
    assert "working on it" in response.body
    assert fake.wait_for("response_url")[0].body["text"] == "done"


def test_bolt_app_refuses_bad_and_stale_signatures(
    bolt_url: str, fake: FakeSlack, payloads: SlackPayloads
) -> None:
    signer = SignedClient(bolt_url, SECRET)
    request = payloads.slash_command("help", "U1")

    assert signer.send(request, bad_signature=True).status == 401
    assert signer.send(request, stale=True).status == 401
    assert SignedClient(bolt_url, "wrong-secret").send(request).status == 401
    assert fake.calls_to("response_url") == []


def test_bolt_app_handles_events_retries_and_replays(
    bolt_url: str, fake: FakeSlack, payloads: SlackPayloads
) -> None:
    signer = SignedClient(bolt_url, SECRET)
    event = payloads.app_home_opened("U7")

    assert signer.send(event).status == 200
    assert signer.replay().status == 200
    assert signer.send(event, retry_num=1, retry_reason="http_timeout").status == 200

    calls = fake.wait_for("views.publish", count=3)
    assert {c["user_id"] for c in calls} == {"U7"}


def test_bolt_app_answers_url_verification(bolt_url: str, payloads: SlackPayloads) -> None:
    response = SignedClient(bolt_url, SECRET).send(payloads.url_verification("abc"))
    assert response.status == 200
    assert response.json() == {"challenge": "abc"}


def test_every_payload_reaches_the_matching_bolt_listener(
    fake: FakeSlack, payloads: SlackPayloads
) -> None:
    """Bolt parses each builder's payload: listener matched, context and respond() work."""
    seen: dict[str, dict[str, Any]] = {}
    app = App(signing_secret=SECRET, client=WebClient(base_url=fake.url, token=TOKEN))

    @app.action("answer")
    def answer(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        ack()
        seen["action"] = {"user": context.user_id, "channel": context.channel_id}
        respond(replace_original=True, text="labeled")

    @app.view("unsure_modal")
    def unsure(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        seen["view"] = view["state"]["values"]

    @app.view_closed("unsure_modal")
    def closed(ack: Ack) -> None:
        ack()
        seen["closed"] = {}

    @app.shortcut("label_message")
    def shortcut(ack: Ack, shortcut: dict[str, Any], respond: Respond) -> None:
        ack()
        seen["shortcut"] = {"ts": shortcut["message"]["ts"]}
        respond("queued")

    @app.event({"type": "message", "subtype": "message_changed"})
    def changed(event: dict[str, Any]) -> None:
        seen["changed"] = event["message"]

    @app.event({"type": "message", "subtype": "message_deleted"})
    def deleted(event: dict[str, Any]) -> None:
        seen["deleted"] = {"ts": event["deleted_ts"]}

    @app.event("message")
    def message(event: dict[str, Any], context: BoltContext) -> None:
        seen.setdefault("messages", {})[event["text"]] = context.user_id

    card = {"type": "message", "ts": "1700000000.000100", "text": "card", "user": "U0LABELBOT"}
    state = {"b": {"text": {"type": "plain_text_input", "value": "ambiguous"}}}
    requests = [
        payloads.block_action("answer", "spam", "U1", message=card, channel="C9"),
        payloads.view_submission("unsure_modal", state, '{"item": 1}', "U1"),
        payloads.view_closed("unsure_modal", "U1"),
        payloads.message_shortcut("label_message", card, "C9", "U1"),
        payloads.thread_reply("C9", card["ts"], None, "U2", "why spam?"),
        payloads.bot_message("C9", "my own card", thread_ts=card["ts"]),
        payloads.message_changed("C9", "1710000000.000100", "U2", "new", "old"),
        payloads.message_deleted("C9", "1710000000.000100", user="U2", previous_text="new"),
    ]
    with serve_bolt_app(app) as url:
        signer = SignedClient(url, SECRET)
        statuses = [signer.send(r).status for r in requests]
        fake.wait_for("response_url", count=2)
        deadline = time.monotonic() + 5
        while len(seen) < 7 and time.monotonic() < deadline:
            time.sleep(0.02)

    assert statuses == [200] * len(requests)
    assert seen["action"] == {"user": "U1", "channel": "C9"}
    assert seen["view"] == state
    assert seen["shortcut"] == {"ts": card["ts"]}
    assert seen["changed"]["text"] == "new"
    assert seen["deleted"] == {"ts": "1710000000.000100"}
    # Bolt drops the app's own bot messages before any listener runs.
    assert seen["messages"] == {"why spam?": "U2"}
    assert sorted(c.body.get("text") for c in fake.calls_to("response_url")) == [
        "labeled",
        "queued",
    ]
