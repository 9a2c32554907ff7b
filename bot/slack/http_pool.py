"""Kept-alive connections to Slack: one urllib3 pool per host and process, shared by every Web
API call and every `response_url` POST.

slack_sdk's clients open a new TCP (and TLS) connection for each call through `urlopen`; on
the label-click path, name look-ups and connects were a quarter of a worker's time. The
subclasses here replace only that last step. slack_sdk's retry loop and handlers (429 with
`Retry-After`, one retry after a connection error) stay in charge, because the pool answers
with what `urlopen` would have: a dict or `WebhookResponse` with `HTTPMessage` headers, an
`HTTPError` for a status that is not 2xx, a `URLError` when no connection could be made.

A kept-alive connection can go stale: the server may close it while it lies idle. A closed
one is noticed before it is used; when the close crosses a request (the server hangs up on a
reused connection before answering), the request is sent again on a new connection, where
`urlopen` would have sent it in the first place. slack_sdk's retry handlers never see that,
so they still count only real failures.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from http.client import HTTPException, HTTPMessage, RemoteDisconnected
from io import BytesIO
from ssl import SSLContext
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.webhook import WebhookClient, WebhookResponse
from urllib3 import BaseHTTPResponse, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import HTTPError as PoolError
from urllib3.response import HTTPResponse
from urllib3.util import parse_url

#: Idle connections kept per host: enough for the listener threads (16 by default) plus the
#: background posts and scheduled jobs. More callers at once still get connections (the pool
#: does not block); the extra ones are closed after use.
CONNECTIONS_PER_HOST = 32


class _IdleHangUp(RemoteDisconnected):
    """The server closed a kept-alive connection as a request was sent on it, before answering."""


class _Connection(HTTPConnection):
    """Remembers whether its socket has carried an answer, so that a hang-up on a reused
    connection (an idle close) is told apart from a server that takes a request and drops it."""

    _reused = False

    def connect(self) -> None:
        super().connect()
        self._reused = False

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        try:
            response = super().getresponse()
        except ConnectionError as error:
            if self._reused:
                raise _IdleHangUp(str(error)) from error
            raise
        self._reused = True
        return response


class _TLSConnection(_Connection, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


_lock = threading.Lock()
_manager: PoolManager | None = None
_inherited: list[PoolManager] = []


def pool_manager() -> PoolManager:
    """This process's pool manager, made on first use."""
    global _manager
    manager = _manager
    if manager is None:
        with _lock:
            if _manager is None:
                _manager = PoolManager(maxsize=CONNECTIONS_PER_HOST, block=False)
                _manager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
            manager = _manager
    return manager


def _forget_after_fork() -> None:
    """A forked child starts a pool of its own: requests from two processes on one socket
    would interleave. The inherited manager is kept but never touched, not even closed: a
    thread of the parent may have held one of its locks at the fork, and would never let go."""
    global _manager, _lock
    if _manager is not None:
        _inherited.append(_manager)
    _manager, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


@dataclass(frozen=True)
class Answer:
    """A 2xx response, read in full (its connection is back in the pool)."""

    status: int
    headers: HTTPMessage
    body: bytes

    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8")


def send(req: Request, *, timeout: float, ssl: SSLContext | None) -> Answer:
    """Send a urllib `Request` on a pooled connection, raising what `urlopen` would raise.

    Redirects are not followed (Slack's Web API and response URLs do not redirect): a 3xx is
    an `HTTPError` like any other status outside 2xx.
    """
    url = req.full_url
    pool = pool_manager().connection_from_url(
        url, pool_kwargs={"ssl_context": ssl} if ssl is not None else None
    )
    response = _urlopen(pool, req, timeout)
    headers = HTTPMessage()
    for name, value in response.headers.iteritems():
        headers[name] = value
    if not 200 <= response.status < 300:
        raise HTTPError(
            url, response.status, response.reason or "", headers, BytesIO(response.data)
        )
    return Answer(response.status, headers, response.data)


def _urlopen(
    pool: HTTPConnectionPool,
    req: Request,
    timeout: float,
    hang_ups_left: int = CONNECTIONS_PER_HOST,
) -> BaseHTTPResponse:
    try:
        return pool.urlopen(
            req.get_method(),
            parse_url(req.full_url).request_uri,
            body=req.data,  # type: ignore[arg-type]  # slack_sdk always sends bytes
            headers={name: str(value) for name, value in req.header_items()},
            retries=False,  # slack_sdk's handlers decide
            redirect=False,
            assert_same_host=False,
            timeout=timeout,
            preload_content=True,
            decode_content=False,  # as urlopen: a gzip body stays gzip
        )
    except ProtocolError as error:
        # Each hang-up discards one stale connection: a new one is reached at the latest
        # once every idle connection of the pool has been tried.
        if isinstance(_inner(error), _IdleHangUp) and hang_ups_left:
            return _urlopen(pool, req, timeout, hang_ups_left - 1)
        raise _as_urlopen_error(error) from error
    except PoolError as error:
        raise _as_urlopen_error(error) from error


def _inner(error: PoolError) -> BaseException | None:
    """The socket, TLS or http.client error urllib3 wrapped."""
    for arg in error.args:
        if isinstance(arg, BaseException):
            return arg
    return error.__cause__ or error.__context__


def _as_urlopen_error(error: PoolError) -> BaseException:
    """What `urlopen` raises for the same failure: `URLError` when the request could not be
    sent (refused, name not found, TLS, connect timeout: `ConnectionErrorRetryHandler` retries
    it once); the bare error when the answer could not be read (a hang-up, which it retries
    too; a read timeout, which it does not, as the request may have been carried out)."""
    inner = _inner(error)
    if isinstance(error, ReadTimeoutError):
        return inner if isinstance(inner, TimeoutError) else TimeoutError(str(error))
    if isinstance(error, ConnectTimeoutError | SSLError):  # NewConnectionError included
        return URLError(inner if isinstance(inner, OSError) else str(error))
    if isinstance(inner, HTTPException | ConnectionResetError | TimeoutError):
        return inner
    if isinstance(inner, OSError):
        return URLError(inner)
    return URLError(str(error))


class PooledWebClient(WebClient):
    """A `WebClient` whose calls go through the process's kept-alive pool (through a proxy,
    when one is set, the urllib way as before)."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        if not url.lower().startswith("http"):  # no file:// or ftp:// (BAN-B310)
            raise SlackRequestError(f"Invalid URL detected: {url}")
        answer = send(req, timeout=self.timeout, ssl=self.ssl)
        gzip = answer.headers.get_content_type() == "application/gzip"  # admin.analytics.getFile
        body: str | bytes = answer.body if gzip else answer.text()
        self._logger.debug(
            "Received the following response - status: %s, body: %s",
            answer.status,
            "(binary)" if gzip else body,
        )
        return {"status": answer.status, "headers": answer.headers, "body": body}


class PooledWebhookClient(WebhookClient):
    """A `WebhookClient` (for `response_url`) that posts through the kept-alive pool."""

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        if self.proxy is not None:
            response: WebhookResponse = super()._perform_http_request_internal(url, req)
            return response
        if not url.lower().startswith("http"):  # no file:// or ftp:// (BAN-B310)
            raise SlackRequestError(f"Invalid URL detected: {url}")
        answer = send(req, timeout=self.timeout, ssl=self.ssl)
        body = answer.text()
        self.logger.debug(
            "Received the following response - status: %s, body: %s", answer.status, body
        )
        return WebhookResponse(
            url=url,
            status_code=answer.status,
            body=body,
            headers=answer.headers,  # type: ignore[arg-type]  # as slack_sdk's own
        )
