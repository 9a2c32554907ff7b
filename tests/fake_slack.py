"""A fake Slack Web API on loopback that records every call, for end-to-end tests.

Point a real ``slack_sdk.WebClient(base_url=fake.url)`` at it. Each call is recorded with
its parsed body (JSON or form-encoded, with JSON-string fields such as ``blocks`` and
``view`` decoded) and headers, and answered with a response shaped like Slack's documented
examples. The bot calls the Web API after ``ack()`` in other threads, so tests wait with
``wait_for``. ``fail_next`` scripts 429s (with ``Retry-After``), 500s, ``ok: false`` errors
and slow answers. POSTs to ``/response/...`` (``response_url``) and to the upload URL that
``files.getUploadURLExternal`` hands out are recorded too, as methods ``response_url`` and
``file_upload``.

The server speaks HTTP/1.1 and keeps connections alive, as Slack does: ``connections_accepted``
counts the connections clients opened, ``close_connections`` hangs up the open ones (a
server's idle timeout, or a restart) and ``hang_up_on_reuse`` closes a reused connection as a
request arrives on it. ``stop()`` hangs up too: a stopped fake answers nothing.

The fake keeps a little state so follow-up calls are coherent: messages it posted (for
``conversations.replies``, ``chat.update``, ``chat.getPermalink``), views it opened (ids and
hashes for ``views.update``), users, user groups, and uploaded bytes.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSONDict = dict[str, Any]
Responder = Callable[["Call"], JSONDict]

TEAM_ID = "T0LABELER"
TEAM_DOMAIN = "labeler-test"
BOT_USER_ID = "U0LABELBOT"
BOT_ID = "B0LABELBOT"
APP_ID = "A0LABELER"
DEFAULT_SCOPES = (
    "chat:write",
    "commands",
    "im:write",
    "users:read",
    "files:write",
    "channels:history",
    "groups:history",
    "usergroups:read",
)

# Form-encoded Web API arguments that carry JSON (slack_sdk serialises them with json.dumps).
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks"}
)
_FIRST_TS_MICROS = 1_700_000_000_000_100  # "1700000000.000100"


class RedactedHeaders(dict[str, str]):
    """Request headers (lower-cased names) whose repr never shows the Authorization value."""

    def __repr__(self) -> str:
        shown = {k: ("<redacted>" if k == "authorization" else v) for k, v in self.items()}
        return repr(shown)


@dataclass
class Call:
    """One request the fake received, and what it answered."""

    method: str
    body: JSONDict
    headers: RedactedHeaders
    path: str
    raw: bytes = field(repr=False)
    status: int = 0
    response: JSONDict | None = None

    @property
    def token(self) -> str | None:
        """The token sent as ``Authorization: Bearer ...`` or as a ``token`` argument."""
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ")
        token = self.body.get("token")
        return token if isinstance(token, str) else None

    def __getitem__(self, key: str) -> Any:
        return self.body[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    delay: float


class FakeSlack:
    """The fake server. Use as a context manager, or call ``start()`` and ``stop()``."""

    def __init__(
        self,
        *,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = APP_ID,
        scopes: Iterable[str] = DEFAULT_SCOPES,
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.scopes = tuple(scopes)
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._hang_ups = 0
        self._connections: set[socket.socket] = set()
        self.connections_accepted = 0
        self._overrides: dict[str, Responder] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(0)
        self._messages: dict[tuple[str, str], JSONDict] = {}
        self._views: dict[str, JSONDict] = {}
        self._home_views: dict[str, str] = {}
        self._users: dict[str, JSONDict] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._upload_names: dict[str, str] = {}
        self.uploads: dict[str, bytes] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeSlack:
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/`` (the server root)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not running: call start() or use it as a context")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``: the client appends the method name."""
        return f"{self.base_url}api/"

    def response_url(self, kind: str = "commands") -> str:
        """A fresh ``response_url`` on this server, shaped like Slack's hooks URLs."""
        n = next(self._ids)
        return f"{self.base_url}response/{kind}/{self.team_id}/{n}/r{n:08d}"

    # -- inspection ----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every recorded call, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def methods(self) -> list[str]:
        """The method names called so far, in order (handy in assertion messages)."""
        with self._lock:
            return [c.method for c in self._calls]

    def last(self, method: str) -> Call:
        calls = self.calls_to(method)
        if not calls:
            raise AssertionError(f"no call to {method}; calls so far: {self.methods()}")
        return calls[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``method`` has been called at least ``count`` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                calls = [c for c in self._calls if c.method == method]
                if len(calls) >= count:
                    return calls
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {count} call(s) to {method}, got {len(calls)}; "
                        f"calls so far: {[c.method for c in self._calls]}"
                    )
                self._lock.wait(remaining)

    def assert_not_called(self, method: str, within: float = 0.0) -> None:
        """Fail if ``method`` is called now or within ``within`` seconds."""
        if within:
            time.sleep(within)
        calls = self.calls_to(method)
        if calls:
            raise AssertionError(f"{method} was called {len(calls)} time(s)")

    def reset(self) -> None:
        """Forget calls, scripted failures, overrides and state (ts keep increasing)."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._hang_ups = 0
            self._overrides.clear()
            self._messages.clear()
            self._views.clear()
            self._home_views.clear()
            self._users.clear()
            self._usergroups.clear()
            self._upload_names.clear()
            self.uploads.clear()

    # -- scripting -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        retry_after: int | None = None,
        error: str | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` misbehave, in order.

        ``status=429`` answers ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After``
        (default 1); ``status=5xx`` answers a plain-text server error; ``error="x"`` answers
        HTTP 200 ``{"ok": false, "error": "x"}``; ``delay`` sleeps before answering (alone,
        the answer is then the normal one).
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        failure = _Failure(status=status, retry_after=retry_after, error=error, delay=delay)
        with self._lock:
            self._failures.setdefault(method, deque()).extend([failure] * times)

    def hang_up_on_reuse(self, times: int = 1) -> None:
        """The next ``times`` requests that arrive on a connection which already carried an
        answer get none: the connection is closed as they arrive, as when a server's idle
        timeout strikes just as a client sends. They are not recorded (never taken)."""
        with self._lock:
            self._hang_ups += times

    def close_connections(self) -> None:
        """Hang up every open connection, as a server closing idle keep-alive connections (or
        restarting) does; clients must open new ones."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client hung up first

    def set_response(self, method: str, response: JSONDict | Responder) -> None:
        """Answer ``method`` with a fixed dict, or with ``response(call)``, from now on."""
        if callable(response):
            self._overrides[method] = response
        else:
            fixed = dict(response)
            self._overrides[method] = lambda _call: fixed

    def add_user(self, user_id: str, **fields: Any) -> JSONDict:
        """Register a user for ``users.info``; ``fields`` override the defaults."""
        user = _default_user(user_id, self.team_id)
        profile = {**user["profile"], **fields.pop("profile", {})}
        user.update(fields)
        user["profile"] = profile
        with self._lock:
            self._users[user_id] = user
        return user

    def set_usergroup(self, usergroup_id: str, user_ids: Iterable[str]) -> None:
        with self._lock:
            self._usergroups[usergroup_id] = list(user_ids)

    def add_message(self, channel: str, message: Mapping[str, Any]) -> JSONDict:
        """Seed a message (needs ``ts``) so ``conversations.replies`` and others can see it."""
        stored = {"type": "message", **message}
        with self._lock:
            self._messages[(channel, str(stored["ts"]))] = stored
        return stored

    def messages(self, channel: str | None = None) -> list[JSONDict]:
        """Messages currently in the fake's store (posted, seeded, not deleted), by ts."""
        with self._lock:
            items = [m for (ch, _), m in self._messages.items() if channel is None or ch == channel]
        return sorted(items, key=lambda m: float(m["ts"]))

    def next_ts(self) -> str:
        """A message timestamp later than every one handed out so far."""
        micros = _FIRST_TS_MICROS + 100 * next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def dm_channel_for(self, user_id: str) -> str:
        """The IM channel id ``conversations.open`` returns for a user: D + user id suffix."""
        return "D" + user_id[1:]

    # -- request handling (called from the server threads) -------------------------------

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            self.connections_accepted += 1

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _take_hang_up(self) -> bool:
        with self._lock:
            if not self._hang_ups:
                return False
            self._hang_ups -= 1
            return True

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            return queue.popleft() if queue else None

    def _answer(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        failure = self._take_failure(call.method)
        if failure is not None:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.status == 429:
                limited = {"ok": False, "error": "ratelimited"}
                retry = {"Retry-After": str(failure.retry_after)}
                return self._json(call, 429, limited, retry)
            if failure.status >= 500:
                text = b"Internal Server Error"
                call.status = failure.status
                return failure.status, {"Content-Type": "text/plain"}, text
            if failure.error is not None:
                return self._json(call, 200, {"ok": False, "error": failure.error})
        if call.method == "file_upload":
            return self._upload(call)
        if call.method == "response_url":
            call.status = 200
            return 200, {"Content-Type": "text/html"}, b"ok"
        if call.method == "unknown_path":
            call.status = 404
            return 404, {"Content-Type": "text/plain"}, b"Not Found"
        headers: dict[str, str] = {}
        if call.method == "auth.test":
            headers["x-oauth-scopes"] = ",".join(self.scopes)
        override = self._overrides.get(call.method)
        if override is not None:
            return self._json(call, 200, override(call), headers)
        handler = _METHODS.get(call.method)
        if handler is None:
            body: JSONDict = {"ok": False, "error": "unknown_method", "req_method": call.method}
        elif call.token is None:
            body = {"ok": False, "error": "not_authed"}
        elif not call.token.startswith(("xoxb-", "xoxp-")):
            body = {"ok": False, "error": "invalid_auth"}
        else:
            body = handler(self, call)
        return self._json(call, 200, body, headers)

    @staticmethod
    def _json(
        call: Call, status: int, body: JSONDict, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        call.status, call.response = status, body
        out = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return status, out, json.dumps(body).encode()

    def _upload(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        file_id = call.body["file_id"]
        with self._lock:
            known = file_id in self._upload_names
            if known:
                self.uploads[file_id] = call.raw
        call.status = 200 if known else 404
        text = f"OK - {len(call.raw)}" if known else "Not Found"
        return call.status, {"Content-Type": "text/plain"}, text.encode()

    # -- default method implementations --------------------------------------------------

    def _auth_test(self, call: Call) -> JSONDict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Labeler Test Workspace",
            "user": "labeler",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_test(self, call: Call) -> JSONDict:
        return {"ok": True, "args": {k: v for k, v in call.body.items() if k != "token"}}

    def _channel_arg(self, call: Call) -> str:
        channel = str(call.body.get("channel", ""))
        if channel[:1] in ("U", "W"):
            return self.dm_channel_for(channel)
        return channel

    def _bot_message(self, call: Call, ts: str) -> JSONDict:
        message: JSONDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": call.body.get("text", ""),
            "ts": ts,
            "bot_profile": {"id": self.bot_id, "app_id": self.app_id, "name": "Labeler"},
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if call.body.get(key) is not None:
                message[key] = call.body[key]
        return message

    def _chat_post_message(self, call: Call) -> JSONDict:
        channel = self._channel_arg(call)
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not call.body.get("text") and not call.body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self.next_ts()
        message = self._bot_message(call, ts)
        with self._lock:
            self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_update(self, call: Call) -> JSONDict:
        channel, ts = self._channel_arg(call), str(call.body.get("ts", ""))
        if not channel or not ts:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            message = self._messages.get((channel, ts), {"type": "message", "ts": ts})
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in call.body:
                    message[key] = call.body[key]
            message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
            self._messages[(channel, ts)] = message
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": call.body.get("text", ""),
            "message": {k: v for k, v in message.items() if k != "ts"},
        }

    def _chat_post_ephemeral(self, call: Call) -> JSONDict:
        if not call.body.get("channel") or not call.body.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "message_ts": self.next_ts()}

    def _chat_delete(self, call: Call) -> JSONDict:
        channel, ts = self._channel_arg(call), str(call.body.get("ts", ""))
        with self._lock:
            self._messages.pop((channel, ts), None)
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_get_permalink(self, call: Call) -> JSONDict:
        channel = str(call.body.get("channel", ""))
        ts = str(call.body.get("message_ts", ""))
        if not channel or not ts:
            return {"ok": False, "error": "invalid_arguments"}
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        with self._lock:
            thread_ts = self._messages.get((channel, ts), {}).get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_open(self, call: Call) -> JSONDict:
        users = call.body.get("users") or ""
        user_ids = users if isinstance(users, list) else str(users).split(",")
        user_ids = [u for u in user_ids if u]
        if not user_ids:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(user_ids) > 1:
            return {"ok": True, "channel": {"id": "G" + "".join(u[1:4] for u in user_ids)}}
        return {
            "ok": True,
            "no_op": True,
            "already_open": True,
            "channel": {"id": self.dm_channel_for(user_ids[0])},
        }

    def _conversations_replies(self, call: Call) -> JSONDict:
        channel, ts = str(call.body.get("channel", "")), str(call.body.get("ts", ""))
        with self._lock:
            thread = [
                m
                for (ch, _), m in self._messages.items()
                if ch == channel and (m["ts"] == ts or m.get("thread_ts") == ts)
            ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        thread.sort(key=lambda m: float(m["ts"]))
        return {
            "ok": True,
            "messages": thread,
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _store_view(self, call: Call, view_id: str, previous: JSONDict | None) -> JSONDict:
        submitted = call.body.get("view")
        if not isinstance(submitted, dict):
            raise _BadRequest("invalid_arguments")
        view: JSONDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": submitted.get("type", "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if previous is not None:
            view["root_view_id"] = previous.get("root_view_id", view_id)
            view["previous_view_id"] = previous.get("previous_view_id")
        view.update(submitted)
        view["id"] = view_id
        view["hash"] = f"{int(time.time())}.h{next(self._ids):07d}"
        with self._lock:
            self._views[view_id] = view
        return view

    def _new_view_id(self) -> str:
        return f"V{next(self._ids):08d}"

    def _views_open(self, call: Call) -> JSONDict:
        if not call.body.get("trigger_id") and not call.body.get("interactivity_pointer"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._store_view(call, self._new_view_id(), None)}

    def _views_push(self, call: Call) -> JSONDict:
        if not call.body.get("trigger_id") and not call.body.get("interactivity_pointer"):
            return {"ok": False, "error": "invalid_arguments"}
        view = self._store_view(call, self._new_view_id(), None)
        return {"ok": True, "view": view}

    def _views_update(self, call: Call) -> JSONDict:
        view_id = call.body.get("view_id")
        external_id = call.body.get("external_id")
        with self._lock:
            if not view_id and external_id:
                view_id = next(
                    (i for i, v in self._views.items() if v.get("external_id") == external_id),
                    None,
                )
                if view_id is None:
                    return {"ok": False, "error": "not_found"}
            previous = self._views.get(str(view_id)) if view_id else None
        if not view_id:
            return {"ok": False, "error": "invalid_arguments"}
        expected_hash = call.body.get("hash")
        if expected_hash and previous is not None and previous.get("hash") != expected_hash:
            return {"ok": False, "error": "hash_conflict"}
        return {"ok": True, "view": self._store_view(call, str(view_id), previous)}

    def _views_publish(self, call: Call) -> JSONDict:
        user_id = str(call.body.get("user_id", ""))
        if not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            view_id = self._home_views.setdefault(user_id, self._new_view_id())
            previous = self._views.get(view_id)
        expected_hash = call.body.get("hash")
        if expected_hash and previous is not None and previous.get("hash") != expected_hash:
            return {"ok": False, "error": "hash_conflict"}
        return {"ok": True, "view": self._store_view(call, view_id, previous)}

    def _users_info(self, call: Call) -> JSONDict:
        user_id = str(call.body.get("user", ""))
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        with self._lock:
            user = self._users.get(user_id) or _default_user(user_id, self.team_id)
        return {"ok": True, "user": user}

    def _usergroups_users_list(self, call: Call) -> JSONDict:
        with self._lock:
            users = self._usergroups.get(str(call.body.get("usergroup", "")))
        if users is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(users)}

    def _files_get_upload_url(self, call: Call) -> JSONDict:
        filename, length = call.body.get("filename"), call.body.get("length")
        if not filename or length in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):08d}"
        with self._lock:
            self._upload_names[file_id] = str(filename)
        return {"ok": True, "upload_url": f"{self.base_url}upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, call: Call) -> JSONDict:
        files = call.body.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        out = []
        with self._lock:
            for item in files:
                file_id = item.get("id")
                if file_id not in self.uploads:
                    return {"ok": False, "error": "file_not_found"}
                name = self._upload_names[file_id]
                out.append(
                    {
                        "id": file_id,
                        "name": name,
                        "title": item.get("title") or name,
                        "size": len(self.uploads[file_id]),
                        "user": self.bot_user_id,
                        "permalink": f"https://{self.team_domain}.slack.com/files/"
                        f"{self.bot_user_id}/{file_id}/{name}",
                    }
                )
        return {"ok": True, "files": out}


class _BadRequest(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _default_user(user_id: str, team_id: str) -> JSONDict:
    name = f"user.{user_id.lower()}"
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": False,
        "real_name": f"User {user_id}",
        "tz": "Europe/Berlin",
        "tz_label": "Central European Time",
        "tz_offset": 3600,
        "is_bot": False,
        "is_admin": False,
        "is_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "updated": 1700000000,
        "profile": {
            "real_name": f"User {user_id}",
            "display_name": name,
            "real_name_normalized": f"User {user_id}",
            "display_name_normalized": name,
            "image_72": f"https://avatars.example.com/{user_id}_72.png",
            "team": team_id,
        },
    }


_METHODS: dict[str, Callable[[FakeSlack, Call], JSONDict]] = {
    "api.test": FakeSlack._api_test,
    "auth.test": FakeSlack._auth_test,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.update": FakeSlack._chat_update,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "chat.delete": FakeSlack._chat_delete,
    "chat.getPermalink": FakeSlack._chat_get_permalink,
    "conversations.open": FakeSlack._conversations_open,
    "conversations.replies": FakeSlack._conversations_replies,
    "views.open": FakeSlack._views_open,
    "views.push": FakeSlack._views_push,
    "views.update": FakeSlack._views_update,
    "views.publish": FakeSlack._views_publish,
    "users.info": FakeSlack._users_info,
    "usergroups.users.list": FakeSlack._usergroups_users_list,
    "files.getUploadURLExternal": FakeSlack._files_get_upload_url,
    "files.completeUploadExternal": FakeSlack._files_complete_upload,
}


def parse_body(raw: bytes, content_type: str, query: str = "") -> JSONDict:
    """Parse a Web API request body: JSON, or form fields with JSON-string fields decoded."""
    body: JSONDict = {k: v[-1] for k, v in parse_qs(query).items()}
    if not raw:
        return body
    text = raw.decode("utf-8")
    if "json" in content_type or text.lstrip().startswith("{"):
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            body.update(parsed)
        return body
    for key, values in parse_qs(text, keep_blank_values=True).items():
        value: Any = values[-1]
        if key in _JSON_FIELDS and isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        body[key] = value
    return body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately; with Nagle's algorithm on, the body then waits
    # for the client's delayed ACK (40 ms on Linux), which Slack's servers do not impose.
    disable_nagle_algorithm = True
    fake: FakeSlack  # set on the per-server subclass
    answered = 0  # on this connection

    def setup(self) -> None:
        super().setup()
        self.fake._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.fake._closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Stay quiet: requests carry tokens."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.answered and self.fake._take_hang_up():
            self.close_connection = True
            return
        headers = RedactedHeaders({k.lower(): v for k, v in self.headers.items()})
        method, body = self._classify(parts.path, parts.query, raw, headers)
        call = Call(method=method, body=body, headers=headers, path=parts.path, raw=raw)
        self.fake._record(call)
        try:
            status, out_headers, payload = self.fake._answer(call)
        except _BadRequest as exc:
            status, out_headers, payload = self.fake._json(
                call, 200, {"ok": False, "error": exc.error}
            )
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.answered += 1

    @staticmethod
    def _classify(
        path: str, query: str, raw: bytes, headers: Mapping[str, str]
    ) -> tuple[str, JSONDict]:
        content_type = headers.get("content-type", "")
        if path.startswith("/api/"):
            try:
                return path.removeprefix("/api/"), parse_body(raw, content_type, query)
            except (UnicodeDecodeError, json.JSONDecodeError):
                return path.removeprefix("/api/"), {}
        if path.startswith("/response/"):
            try:
                return "response_url", parse_body(raw, "application/json")
            except (UnicodeDecodeError, json.JSONDecodeError):
                return "response_url", {}
        if path.startswith("/upload/v1/"):
            return "file_upload", {"file_id": path.rsplit("/", 1)[-1], "size": len(raw)}
        return "unknown_path", {}
