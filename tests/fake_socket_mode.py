"""Slack's Socket Mode side, on loopback: ``apps.connections.open`` and the WebSocket it hands out.

``FakeSocketMode(fake)`` adds ``apps.connections.open`` to a running ``FakeSlack`` and serves
the WebSocket that call points at, so a real Bolt ``SocketModeHandler`` can connect end to end.
Shapes follow Slack's docs (docs.slack.dev/apis/events-api/using-socket-mode and the
``apps.connections.open`` reference):

- ``apps.connections.open`` takes the app-level token (``xapp-``) in the ``Authorization``
  header only, and answers ``{"ok": true, "url": ".../link/?ticket=...&app_id=..."}``. Here the
  URL is ``ws://127.0.0.1:PORT/...``; slack_sdk's builtin client uses TLS only on port 443,
  so it needs no option for it. Each ticket is good for one connection, like Slack's.
- On connecting, the app gets ``{"type": "hello", ...}``.
- Envelopes carry ``envelope_id``, ``type`` (``slash_commands``, ``interactive``,
  ``events_api``), ``payload`` and ``accepts_response_payload``; the app acknowledges with
  ``{"envelope_id": ..., "payload": ...}`` (payload optional).

Every message sent and received is recorded per connection; ``wait_for_ack`` waits with a
deadline and fails with what arrived instead. The WebSocket side runs on the ``websockets``
library's threaded server, so no framing is written by hand.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from tests.fake_slack import APP_ID, Call, FakeSlack

JSONDict = dict[str, Any]
T = TypeVar("T")
LINK_PATH = "/link/"


def envelope(kind: str, payload: Mapping[str, Any], *, accepts_response_payload: bool) -> JSONDict:
    """A Socket Mode envelope as Slack sends it."""
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": kind,
        "payload": dict(payload),
        "accepts_response_payload": accepts_response_payload,
    }


def slash_command_envelope(fields: Mapping[str, Any]) -> JSONDict:
    """``fields`` are the slash command's form fields (what HTTP mode would POST), as JSON."""
    return envelope("slash_commands", fields, accepts_response_payload=True)


def events_api_envelope(event_callback: Mapping[str, Any]) -> JSONDict:
    """``event_callback`` is the whole Events API wrapper (``event``, ``event_id``, ...)."""
    return {
        **envelope("events_api", event_callback, accepts_response_payload=False),
        "retry_attempt": 0,
        "retry_reason": "",
    }


@dataclass
class SocketConnection:
    """One WebSocket the app opened (and the fake accepted)."""

    number: int
    path: str
    ticket: str
    sent: list[JSONDict] = field(default_factory=list)
    received: list[JSONDict] = field(default_factory=list)
    closed: bool = False
    _ws: ServerConnection | None = field(default=None, repr=False)


class FakeSocketMode:
    """Use as a context manager inside ``with FakeSlack() as fake``."""

    def __init__(
        self, fake: FakeSlack, *, app_token: str | None = None, app_id: str = APP_ID
    ) -> None:
        self.fake = fake
        self.app_token = app_token
        self.app_id = app_id
        self._lock = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[SocketConnection] = []
        self.refused: list[str] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        self._server = serve(
            self._serve_connection,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            close_timeout=1,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-socket-mode", daemon=True
        )
        self._thread.start()
        self.fake.set_response("apps.connections.open", self._connections_open)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not running: use it as a context manager")
        return int(self._server.socket.getsockname()[1])

    # -- inspection ----------------------------------------------------------------------

    @property
    def connections(self) -> list[SocketConnection]:
        with self._lock:
            return list(self._connections)

    def received(self) -> list[JSONDict]:
        """Every message the app sent, over all connections, in arrival order per connection."""
        with self._lock:
            return [m for c in self._connections for m in c.received]

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> JSONDict:
        """The app's acknowledgement of ``envelope_id``."""

        def ack() -> JSONDict | None:
            for connection in self._connections:
                for message in connection.received:
                    if message.get("envelope_id") == envelope_id:
                        return message
            return None

        return self._wait(
            ack,
            timeout,
            lambda: f"an ack of envelope {envelope_id}; received: {self.received()}",
        )

    def _wait(self, find: Callable[[], T | None], timeout: float, wanted: Callable[[], str]) -> T:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = find()
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"waited {timeout}s for {wanted()}")
                self._lock.wait(remaining)

    # -- driving -------------------------------------------------------------------------

    def send(self, message: Mapping[str, Any]) -> JSONDict:
        """Send ``message`` on the newest open connection; returns it (for its envelope_id)."""
        with self._lock:
            open_ = [c for c in self._connections if not c.closed and c._ws is not None]
            if not open_:
                raise AssertionError("no open Socket Mode connection to send on")
            connection = open_[-1]
            connection.sent.append(dict(message))
        assert connection._ws is not None
        connection._ws.send(json.dumps(message))
        return dict(message)

    # -- the Web API method and the WebSocket server (called from server threads) -------

    def _connections_open(self, call: Call) -> JSONDict:
        auth = call.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            # Slack refuses the token as a POST parameter too.
            return {"ok": False, "error": "not_authed"}
        token = auth.removeprefix("Bearer ")
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if self.app_token is not None and token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets.add(ticket)
        url = f"ws://127.0.0.1:{self.port}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"
        return {"ok": True, "url": url}

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = parse_qs(parts.query).get("ticket", [""])[0]
        with self._lock:
            valid = parts.path == LINK_PATH and ticket in self._tickets
            if valid:
                self._tickets.discard(ticket)
            else:
                self.refused.append(request.path)
                self._lock.notify_all()
        if not valid:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "unknown or used ticket\n")
        return None

    def _serve_connection(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        path = ws.request.path
        ticket = parse_qs(urlsplit(path).query)["ticket"][0]
        with self._lock:
            connection = SocketConnection(len(self._connections) + 1, path, ticket, _ws=ws)
            live = sum(1 for c in self._connections if not c.closed) + 1
        hello = {
            "type": "hello",
            "num_connections": live,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        connection.sent.append(hello)
        ws.send(json.dumps(hello))
        with self._lock:
            self._connections.append(connection)
            self._lock.notify_all()
        try:
            for raw in ws:
                text = raw if isinstance(raw, str) else raw.decode("utf-8")
                try:
                    message = json.loads(text)
                except json.JSONDecodeError:
                    message = {"unparsed": text}
                with self._lock:
                    connection.received.append(message)
                    self._lock.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                connection.closed = True
                self._lock.notify_all()
