"""Requests as Slack sends them to the bot, and a client that signs and POSTs them.

Payload shapes follow Slack's documented formats (and bolt-python's scenario tests):

- slash commands: ``application/x-www-form-urlencoded`` fields;
- interactivity (``block_actions``, ``view_submission``, ``view_closed``, ``message_action``):
  form-encoded with one ``payload`` field holding JSON;
- Events API: a JSON ``event_callback`` envelope (``event_id``, ``event_time``,
  ``authorizations``), retried with ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason``;
  ``url_verification`` as JSON too.

``SlackPayloads`` builds them for one workspace; its ``response_url``s point at the fake
Slack server so ``respond()`` is recorded there (as method ``response_url``).
``SignedClient`` signs with ``SignatureVerifier.generate_signature`` exactly as Slack does
and can forge a bad signature, a stale timestamp, a retry or a replay.
``serve_bolt_app`` runs a Bolt ``App`` behind a threaded WSGI server on loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_sdk.signature import SignatureVerifier

from tests.fake_slack import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, FakeSlack

if TYPE_CHECKING:
    from slack_bolt import App

JSONDict = dict[str, Any]
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class SlackRequest:
    """A request body as Slack would send it. ``payload`` is the decoded structure."""

    content_type: str
    body: str
    payload: JSONDict


@dataclass(frozen=True)
class SlackResponse:
    status: int
    body: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def form_request(fields: Mapping[str, str]) -> SlackRequest:
    return SlackRequest(FORM, urlencode(fields), dict(fields))


def interactive_request(payload: JSONDict) -> SlackRequest:
    """Interactivity payloads travel as ``payload=<url-encoded JSON>``."""
    return SlackRequest(FORM, urlencode({"payload": json.dumps(payload)}), payload)


def json_request(payload: JSONDict) -> SlackRequest:
    return SlackRequest(JSON, json.dumps(payload), payload)


def message(
    text: str,
    *,
    user: str | None,
    ts: str,
    thread_ts: str | None = None,
    blocks: list[JSONDict] | None = None,
    bot_id: str | None = None,
    team: str = TEAM_ID,
    **extra: Any,
) -> JSONDict:
    """A message object as it appears in payloads and in ``conversations.replies``."""
    msg: JSONDict = {"type": "message", "text": text, "ts": ts, "team": team}
    if user is not None:
        msg["user"] = user
    if bot_id is not None:
        msg["bot_id"] = bot_id
    if thread_ts is not None:
        msg["thread_ts"] = thread_ts
    if blocks is not None:
        msg["blocks"] = blocks
    msg.update(extra)
    return msg


@dataclass
class SlackPayloads:
    """Builders for one workspace. Pass the running ``FakeSlack`` for ``response_url``s."""

    fake: FakeSlack | None = None
    team_id: str = TEAM_ID
    team_domain: str = TEAM_DOMAIN
    api_app_id: str = APP_ID
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    verification_token: str = "legacy-verification-token"
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _ts_micros: Iterator[int] = field(
        default_factory=lambda: itertools.count(1_710_000_000_000_100, 100), repr=False
    )

    # -- small helpers ---------------------------------------------------------------------

    def next_ts(self) -> str:
        """A message ts for user messages (distinct from the fake's bot ts range)."""
        micros = next(self._ts_micros)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def trigger_id(self) -> str:
        n = next(self._counter)
        return f"{n}.{self.team_id[1:]}.{uuid.uuid4().hex[:16]}"

    def response_url(self, kind: str = "commands") -> str:
        if self.fake is not None:
            return self.fake.response_url(kind)
        n = next(self._counter)
        return f"https://hooks.slack.com/{kind}/{self.team_id}/{n}/unreachable"

    def event_id(self) -> str:
        return f"Ev{next(self._counter):010d}"

    def _team(self) -> JSONDict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _user(self, user_id: str) -> JSONDict:
        name = f"user.{user_id.lower()}"
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    # -- slash command -----------------------------------------------------------------

    def slash_command(
        self,
        text: str,
        user_id: str,
        *,
        command: str = "/label",
        channel_id: str = "C0LABELING",
        channel_name: str = "labeling",
        response_url: str | None = None,
        trigger_id: str | None = None,
        **extra: str,
    ) -> SlackRequest:
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": f"user.{user_id.lower()}",
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self.response_url("commands"),
            "trigger_id": trigger_id or self.trigger_id(),
            **extra,
        }
        return form_request(fields)

    # -- interactivity -----------------------------------------------------------------

    def block_action(
        self,
        action_id: str,
        value: str | None,
        user_id: str,
        *,
        block_id: str | None = None,
        message: JSONDict | None = None,
        container: JSONDict | None = None,
        channel: str | None = "C0LABELING",
        response_url: str | None = None,
        trigger_id: str | None = None,
        state: JSONDict | None = None,
        view: JSONDict | None = None,
        action_type: str = "button",
        selected_options: Sequence[str] | None = None,
        ephemeral: bool = False,
        action: JSONDict | None = None,
    ) -> SlackRequest:
        """A ``block_actions`` payload for one element.

        From a message (``message`` given, or ``ephemeral=True``), from a view (``view``
        given: a modal or the Home tab; no channel or ``response_url`` then).
        ``action_type`` "button" sends ``value``; "static_select" / "radio_buttons" send
        ``selected_option``; "checkboxes" sends ``selected_options``. ``action`` overrides
        the whole action element. ``state`` is ``{"values": ...}`` of input blocks.
        """
        act = action or self._action(action_id, value, block_id, action_type, selected_options)
        payload: JSONDict = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [act],
        }
        if view is not None:
            payload["container"] = container or {
                "type": "view",
                "view_id": view.get("id", "V0VIEW"),
            }
            payload["view"] = view
            payload["state"] = state or view.get("state") or {"values": {}}
            return interactive_request(payload)
        message_ts = (message or {}).get("ts") or self.next_ts()
        payload["container"] = container or {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        if channel is not None:
            payload["channel"] = {"id": channel, "name": "labeling"}
        if message is not None and not ephemeral:
            payload["message"] = message
        payload["state"] = state or {"values": {}}
        payload["response_url"] = response_url or self.response_url("actions")
        return interactive_request(payload)

    def _action(
        self,
        action_id: str,
        value: str | None,
        block_id: str | None,
        action_type: str,
        selected_options: Sequence[str] | None,
    ) -> JSONDict:
        act: JSONDict = {
            "action_id": action_id,
            "block_id": block_id or f"b{next(self._counter)}",
            "type": action_type,
            "action_ts": f"{time.time():.6f}",
        }

        def option(v: str) -> JSONDict:
            return {"text": {"type": "plain_text", "text": v, "emoji": True}, "value": v}

        if action_type == "button":
            act["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
            if value is not None:
                act["value"] = value
        elif action_type in ("static_select", "radio_buttons", "overflow"):
            act["selected_option"] = option(value) if value is not None else None
        elif action_type == "checkboxes":
            act["selected_options"] = [option(v) for v in (selected_options or [])]
        elif value is not None:
            act["value"] = value
        return act

    def view(
        self,
        callback_id: str,
        *,
        state_values: JSONDict | None = None,
        private_metadata: str = "",
        view_id: str = "V0MODAL",
        blocks: list[JSONDict] | None = None,
        view_type: str = "modal",
        hash_: str = "1700000000.AbCdEf12",
        external_id: str = "",
    ) -> JSONDict:
        """A view object as it appears in ``view_submission`` / ``block_actions`` payloads."""
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view_type,
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values or {}},
            "hash": hash_,
            "title": {"type": "plain_text", "text": "Labeler", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def view_submission(
        self,
        callback_id: str,
        state_values: JSONDict,
        private_metadata: str,
        user_id: str,
        *,
        view_id: str = "V0MODAL",
        blocks: list[JSONDict] | None = None,
        response_urls: list[JSONDict] | None = None,
        trigger_id: str | None = None,
    ) -> SlackRequest:
        """``state_values`` is ``{block_id: {action_id: {"type": ..., "value": ...}}}``."""
        view = self.view(
            callback_id,
            state_values=state_values,
            private_metadata=private_metadata,
            view_id=view_id,
            blocks=blocks,
        )
        payload: JSONDict = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.trigger_id(),
            "view": view,
            "response_urls": response_urls or [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return interactive_request(payload)

    def view_closed(
        self,
        callback_id: str,
        user_id: str,
        *,
        private_metadata: str = "",
        view_id: str = "V0MODAL",
        is_cleared: bool = False,
    ) -> SlackRequest:
        payload: JSONDict = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": self.view(callback_id, private_metadata=private_metadata, view_id=view_id),
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return interactive_request(payload)

    def message_shortcut(
        self,
        callback_id: str,
        message: JSONDict,
        channel: str,
        user_id: str,
        *,
        channel_name: str = "labeling",
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> SlackRequest:
        """A ``message_action`` payload (message shortcut); ``message`` needs a ``ts``."""
        payload: JSONDict = {
            "type": "message_action",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": self._user(user_id),
            "channel": {"id": channel, "name": channel_name},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or self.trigger_id(),
            "response_url": response_url or self.response_url("app"),
            "message_ts": message["ts"],
            "message": message,
        }
        return interactive_request(payload)

    # -- Events API --------------------------------------------------------------------

    def event(self, event: JSONDict, event_id: str | None = None) -> SlackRequest:
        """Wrap an event in its ``event_callback`` envelope."""
        event_time = int(float(event.get("event_ts") or event.get("ts") or time.time()))
        channel = event.get("channel")
        context = f"4-{event['type']}-{self.team_id}-{channel}" if channel else None
        payload: JSONDict = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self.event_id(),
            "event_time": event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        if context:
            payload["event_context"] = context
        return json_request(payload)

    def url_verification(
        self, challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    ) -> SlackRequest:
        return json_request(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        )

    def app_home_opened(
        self,
        user: str,
        *,
        tab: str = "home",
        view: JSONDict | None = None,
        event_id: str | None = None,
    ) -> SlackRequest:
        event: JSONDict = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user[1:],
            "tab": tab,
            "event_ts": self.next_ts(),
        }
        if view is not None:
            event["view"] = view
        return self.event(event, event_id)

    def channel_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        ts: str | None = None,
        channel_type: str = "channel",
        event_id: str | None = None,
    ) -> SlackRequest:
        """A top-level user message (``message.channels``; ``channel_type="group"`` for private)."""
        ts = ts or self.next_ts()
        event = message(text, user=user, ts=ts, client_msg_id=str(uuid.uuid4()))
        event.update({"channel": channel, "event_ts": ts, "channel_type": channel_type})
        return self.event(event, event_id)

    def thread_reply(
        self,
        channel: str,
        thread_ts: str,
        ts: str | None,
        user: str,
        text: str,
        *,
        parent_user_id: str | None = None,
        channel_type: str = "channel",
        event_id: str | None = None,
    ) -> SlackRequest:
        """A user's reply in a thread, as a ``message`` event with ``thread_ts``."""
        ts = ts or self.next_ts()
        event = message(
            text,
            user=user,
            ts=ts,
            thread_ts=thread_ts,
            parent_user_id=parent_user_id or self.bot_user_id,
            client_msg_id=str(uuid.uuid4()),
            blocks=[_rich_text(text)],
        )
        event.update({"channel": channel, "event_ts": ts, "channel_type": channel_type})
        return self.event(event, event_id)

    def message_changed(
        self,
        channel: str,
        ts: str,
        user: str,
        new_text: str,
        previous_text: str,
        *,
        thread_ts: str | None = None,
        channel_type: str = "channel",
        event_id: str | None = None,
    ) -> SlackRequest:
        """An edit of message ``ts``: the event has its own ``ts``; ``message.ts`` is ``ts``."""
        event_ts = self.next_ts()
        event = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel,
            "channel_type": channel_type,
            "ts": event_ts,
            "event_ts": event_ts,
            "message": message(
                new_text,
                user=user,
                ts=ts,
                thread_ts=thread_ts,
                edited={"user": user, "ts": event_ts},
                blocks=[_rich_text(new_text)],
            ),
            "previous_message": message(
                previous_text,
                user=user,
                ts=ts,
                thread_ts=thread_ts,
                blocks=[_rich_text(previous_text)],
            ),
        }
        return self.event(event, event_id)

    def message_deleted(
        self,
        channel: str,
        deleted_ts: str,
        *,
        user: str | None = None,
        previous_text: str = "",
        thread_ts: str | None = None,
        channel_type: str = "channel",
        event_id: str | None = None,
    ) -> SlackRequest:
        event_ts = self.next_ts()
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel,
            "channel_type": channel_type,
            "ts": event_ts,
            "event_ts": event_ts,
            "deleted_ts": deleted_ts,
            "previous_message": message(
                previous_text, user=user, ts=deleted_ts, thread_ts=thread_ts
            ),
        }
        return self.event(event, event_id)

    def bot_message(
        self,
        channel: str,
        text: str,
        *,
        ts: str | None = None,
        thread_ts: str | None = None,
        bot_id: str | None = None,
        user: str | None = None,
        subtype: str | None = None,
        channel_type: str = "channel",
        event_id: str | None = None,
    ) -> SlackRequest:
        """A message posted by a bot. Defaults to this app's own bot (what Bolt ignores as
        self events); ``subtype="bot_message"`` gives the legacy integration shape."""
        ts = ts or self.next_ts()
        bot_id = bot_id or self.bot_id
        if user is None and subtype is None and bot_id == self.bot_id:
            user = self.bot_user_id
        event = message(
            text,
            user=user,
            ts=ts,
            thread_ts=thread_ts,
            bot_id=bot_id,
            app_id=self.api_app_id if bot_id == self.bot_id else "A0OTHERAPP",
            bot_profile={"id": bot_id, "name": "bot", "team_id": self.team_id},
        )
        if subtype is not None:
            event["subtype"] = subtype
        event.update({"channel": channel, "event_ts": ts, "channel_type": channel_type})
        return self.event(event, event_id)


def _rich_text(text: str) -> JSONDict:
    return {
        "type": "rich_text",
        "block_id": uuid.uuid4().hex[:5],
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


class SignedClient:
    """POSTs ``SlackRequest``s to the bot's endpoint, signed as Slack signs them."""

    def __init__(self, url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self._verifier = SignatureVerifier(signing_secret)
        self._last: tuple[bytes, dict[str, str]] | None = None

    def sign(self, body: str, timestamp: str) -> str:
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None  # None only when the secret is empty
        return signature

    def sign_bytes(self, body: bytes, timestamp: str) -> str:
        """The signature of raw bytes, which need not be text (slack_sdk signs text only)."""
        key = self._verifier.signing_secret.encode()
        base = b"v0:" + timestamp.encode() + b":" + body
        return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()

    def headers_for(
        self,
        request: SlackRequest,
        *,
        timestamp: int | None = None,
        stale: bool = False,
        bad_signature: bool = False,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> dict[str, str]:
        ts = timestamp if timestamp is not None else int(time.time())
        if stale:
            ts -= 60 * 5 + 60
        signature = self.sign(request.body, str(ts))
        if bad_signature:
            signature = "v0=" + ("0" * 64 if signature[3] != "0" else "1" * 64)
        headers = {
            "Content-Type": request.content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature,
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return headers

    def send(
        self,
        request: SlackRequest,
        *,
        timestamp: int | None = None,
        stale: bool = False,
        bad_signature: bool = False,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        extra_headers: Mapping[str, str] | None = None,
    ) -> SlackResponse:
        """Sign and POST. ``stale`` dates the request 6 minutes back (Slack's limit is 5);
        ``bad_signature`` sends a wrong ``v0=`` HMAC; ``retry_num`` adds the retry headers."""
        headers = self.headers_for(
            request,
            timestamp=timestamp,
            stale=stale,
            bad_signature=bad_signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        headers.update(extra_headers or {})
        return self.post_raw(request.body.encode(), headers)

    def replay(self, url: str | None = None) -> SlackResponse:
        """Send the last request again, byte for byte and with the same headers (to another
        endpoint with ``url``, e.g. a second process)."""
        if self._last is None:
            raise RuntimeError("nothing sent yet")
        body, headers = self._last
        return self.post_raw(body, headers, url=url)

    def post_raw(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        url: str | None = None,
        method: str = "POST",
    ) -> SlackResponse:
        """POST (or ``method``) exactly these bytes and headers: no signing, no encoding."""
        self._last = (body, dict(headers))
        req = urllib.request.Request(
            url or self.url, data=body, headers=dict(headers), method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return SlackResponse(
                    resp.status, resp.read().decode("utf-8"), dict(resp.headers.items())
                )
        except urllib.error.HTTPError as err:
            with err:
                return SlackResponse(
                    err.code, err.read().decode("utf-8"), dict(err.headers.items())
                )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass


@contextmanager
def serve_bolt_app(app: App, path: str = EVENTS_PATH) -> Iterator[str]:
    """Serve a Bolt ``App`` over HTTP on 127.0.0.1 (random port); yields the endpoint URL."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app, path=path),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="bolt-wsgi", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
