"""What a request to Slack's endpoint must pass before Bolt sees it, checked in that order.

1. The body fits `MAX_BODY_BYTES` (413), with a readable Content-Length (400).
2. The signature: timestamp and `v0=` HMAC of the raw bytes, within five minutes (401). Nothing
   reads the body before this, so without the signing secret no input reaches a parser.
3. The body is UTF-8 and parses, by Bolt's own rules, to a JSON object (400).
4. Its shape is one the app serves (`bot.slack.payload_guard`, 400).
5. The signature was never admitted before, by any process (`bot.slack.replay_guard`, 401).

A refusal is a status and a one-line reason for the log; no step raises on any input.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.internals import parse_body

from bot.slack.payload_guard import problem
from bot.slack.replay_guard import WINDOW_SECONDS, ReplayGuard

#: Slack's largest payloads (a modal's state, a message of 50 blocks) stay far below this.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


@dataclass(frozen=True)
class Admitted:
    """A verified request: its body as text (what Bolt is given) and its lower-case headers."""

    text: str
    headers: dict[str, str]


class RequestGate:
    def __init__(
        self, signing_secret: str, replays: ReplayGuard, clock: Callable[[], float] = time.time
    ) -> None:
        if not signing_secret.strip():
            raise ValueError("an empty signing secret would let anyone sign a request")
        self._key = signing_secret.encode()
        self._replays = replays
        self._clock = clock

    def admit(self, environ: Mapping[str, Any]) -> Admitted | Refusal:
        raw = read_body(environ)
        if isinstance(raw, Refusal):
            return raw
        headers = request_headers(environ)
        refusal = self._verify(raw, headers)
        if refusal is not None:
            return refusal
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Refusal(400, "the body is not UTF-8")
        content_type = headers.get("content-type", "").split(";")[0] or None
        try:
            body = parse_body(text, content_type)
        except (ValueError, RecursionError) as exc:
            return Refusal(400, f"unreadable body ({type(exc).__name__})")
        issue = problem(body)
        if issue is not None:
            return Refusal(400, f"malformed payload: {issue}")
        if not self._replays.first_time(headers["x-slack-signature"]):
            return Refusal(401, "replayed request")
        return Admitted(text, headers)

    def _verify(self, raw: bytes, headers: Mapping[str, str]) -> Refusal | None:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp or not signature:
            return Refusal(401, "unsigned request")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return Refusal(401, "malformed timestamp")
        if abs(self._clock() - int(timestamp)) > WINDOW_SECONDS:
            return Refusal(401, "timestamp outside the five-minute window")
        digest = hmac.new(self._key, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
        expected = b"v0=" + digest.hexdigest().encode()
        if not hmac.compare_digest(expected, signature.encode("latin-1", "replace")):
            return Refusal(401, "bad signature")
        return None


def read_body(environ: Mapping[str, Any]) -> bytes | Refusal:
    """The raw body, never more than `MAX_BODY_BYTES` read. Without a Content-Length only a
    chunked body (which the server decodes) is read; a plain request without one has none."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    stream = environ.get("wsgi.input")
    if declared:
        if not (declared.isascii() and declared.isdigit()):
            return Refusal(400, "unreadable Content-Length")
        length = int(declared)
        if length > MAX_BODY_BYTES:
            return Refusal(413, f"body of {length} bytes is over {MAX_BODY_BYTES}")
        raw = stream.read(length) if stream is not None and length else b""
        if len(raw) != length:
            return Refusal(400, "body shorter than its Content-Length")
        return bytes(raw)
    if "chunked" not in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower() or stream is None:
        return b""
    raw = stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return Refusal(413, f"chunked body over {MAX_BODY_BYTES} bytes")
    return bytes(raw)


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """Headers as Bolt names them (lower case, dashes), from a WSGI environ."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def client_address(environ: Mapping[str, Any]) -> str:
    """The peer, and what a proxy says it forwarded for (cleaned: it is the client's text)."""
    peer = str(environ.get("REMOTE_ADDR") or "unknown")
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR") or "")
    cleaned = "".join(c for c in forwarded if c.isalnum() or c in ".:, ")[:100]
    return f"{peer} (forwarded for {cleaned})" if cleaned else peer
