"""The native webhook transport: HTTP/1.1 over ``asyncio.Protocol`` with httptools' parser.

Why not aiohttp alone (kept as ``SENDOUT_HTTP_CLIENT=aiohttp``): delivering is this program's
hot loop, and aiohttp's CPU cost per POST by itself caps a worker below the whole-path target
(reference/stack-bench.md compares them). A keep-alive HTTP/1.1 POST is a small protocol:
this client writes one request head and body per connection at a time and parses the answer
with httptools (llhttp, the parser uvicorn and aiohttp's C path use), for a small fraction of
that cost.

This module is the sender and its pool of kept connections; ``http1_protocol`` is one
connection (the answer's parsing and framing), ``http1_message`` the request's bytes.

What it does, the same as the aiohttp transport (the transport tests run against both):

- one whole-attempt timeout (connect, TLS, request, response head), seen at most 50 ms (or a
  twentieth of the timeout) late;
- redirects are answers, never followed; any 2xx is delivered;
- keep-alive connections per origin, reused last-in first-out; a reused connection that the
  server had already closed (before any byte of the answer) is retried once on a new one;
- the status line is the receiver's answer: a body that breaks off or is malformed after it
  does not take the answer back, and a connection whose framing cannot be trusted afterwards
  (a 204 or 304 announcing a body, a parse error, an unread tail) is closed, not reused;
- the first ``RESPONSE_EXCERPT_BYTES`` of the body are kept (gzip and deflate are decoded);
- SSRF (``guard.py``): the URL is read by the domain's parser, the one its saving was checked
  with, and an address literal judged first; names go through ``PublicOnlyResolver`` (only
  allowed addresses are connected to, no second lookup), and the socket factory judges the
  address ``connect()`` is given;
- TLS with the system's trust store and SNI, through the event loop's own TLS support.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Sequence

import httptools
from aiohttp.abc import AbstractResolver

from sendout.adapters.channels.guard import (
    REFUSED,
    URL_MEMO,
    PublicOnlyResolver,
    TargetRefused,
    guarded_socket_factory,
    judge_url,
    open_socket,
)
from sendout.adapters.channels.http.http1_message import (
    Refused,
    Target,
    decoded,
    message,
    target_of,
)
from sendout.adapters.channels.http.http1_protocol import (
    Answer,
    Connection,
    Origin,
    ServerDisconnected,
)
from sendout.adapters.channels.http.webhook import DEFAULT_CONNECTIONS, DEFAULT_TIMEOUT
from sendout.domain.deliveries import OutboundRequest, SendResult
from sendout.domain.targets import IPNetwork

IDLE_SECONDS = 15.0  # a kept connection idle this long is closed
SWEEP_SECONDS = 0.05  # how often requests in flight are checked against their deadline


class Http1Sender:
    """Sends webhooks to allowed targets only (public addresses, or ``allowed_targets``).

    The same options as the aiohttp ``WebhookSender``: ``connections`` bounds the idle
    connections kept in all (attempts in flight are bounded by the deliverer); ``per_host``
    is accepted for the same signature and has no effect (there is no per-host queue to wait
    in); ``resolver`` does the lookups whose answers are then filtered.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connections: int = DEFAULT_CONNECTIONS,
        per_host: int = 0,
        allowed_targets: Sequence[IPNetwork] = (),
        resolver: AbstractResolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        allowed = tuple(allowed_targets)
        self._timeout = timeout
        self._keep = max(1, connections)
        self._allowed = allowed
        self._resolver = PublicOnlyResolver(allowed, inner=resolver)
        self._socket = guarded_socket_factory(allowed)
        self._ssl = ssl_context
        #: each URL's target, or the error of any attempt to it
        self._targets: dict[str, Target | str] = {}
        self._idle: dict[Origin, list[Connection]] = {}
        self._idle_count = 0
        self._sweep: asyncio.TimerHandle | None = None
        self._busy: set[Connection] = set()
        # Timeouts: one timer for all the requests in flight, not one per request (uvloop's
        # call_at and cancel cost as much as the rest of the exchange).
        # A timeout is seen at most a twentieth of itself late, and at most SWEEP_SECONDS.
        self._sweep_every = max(0.001, min(SWEEP_SECONDS, timeout / 20))
        self._expiry: asyncio.TimerHandle | None = None

    async def send(self, request: OutboundRequest) -> SendResult:
        started = time.perf_counter()
        target = self._target(request.url)
        if isinstance(target, str):
            return SendResult(status_code=None, duration_ms=0, error=target, final=True)
        try:
            data = message(target, request.headers, request.body)
            deadline = asyncio.get_running_loop().time() + self._timeout
            answer = await self._exchange(target, data, deadline)
        except Refused as refused:
            return SendResult(
                status_code=None, duration_ms=_elapsed_ms(started), error=str(refused), final=True
            )
        except TargetRefused:
            return SendResult(
                status_code=None, duration_ms=_elapsed_ms(started), error=REFUSED, final=True
            )
        except (TimeoutError, OSError, ssl.SSLError, httptools.HttpParserError) as exc:
            return SendResult(
                status_code=None, duration_ms=_elapsed_ms(started), error=type(exc).__name__
            )
        return SendResult(
            status_code=answer.status,
            duration_ms=_elapsed_ms(started),
            response_headers=answer.headers,
            response_excerpt=decoded(answer).decode("utf-8", "replace"),
        )

    async def _exchange(self, target: Target, data: bytes, deadline: float) -> Answer:
        connection = self._checkout(target.origin)
        if connection is not None:
            try:
                return await self._ask(connection, target, data, deadline)
            except ServerDisconnected:
                pass  # closed while idle, before it read the request: once more, anew
        async with asyncio.timeout_at(deadline):
            connection = await self._connect(target)
        return await self._ask(connection, target, data, deadline)

    async def _ask(
        self, connection: Connection, target: Target, data: bytes, deadline: float
    ) -> Answer:
        self._busy.add(connection)
        if self._expiry is None:
            loop = asyncio.get_running_loop()
            self._expiry = loop.call_later(self._sweep_every, self._expire_overdue)
        try:
            answer = await connection.request(data, deadline)
        except BaseException:
            connection.close()  # a timeout or a cancellation leaves it mid-answer
            raise
        finally:
            self._busy.discard(connection)
        if connection.reusable and connection.open and self._idle_count < self._keep:
            self._keep_idle(connection)
        else:
            connection.close()
        return answer

    def _expire_overdue(self) -> None:
        self._expiry = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        for connection in list(self._busy):
            connection.expire_overdue(now)
        if self._busy:
            self._expiry = loop.call_later(self._sweep_every, self._expire_overdue)

    # --- the pool of kept connections: at most ``connections`` in all, none idle 15 s ---

    def _keep_idle(self, connection: Connection) -> None:
        connection.idle_since = time.monotonic()
        self._idle.setdefault(connection.origin, []).append(connection)
        self._idle_count += 1
        if self._sweep is None:
            loop = asyncio.get_running_loop()
            self._sweep = loop.call_later(IDLE_SECONDS, self._close_stale)

    def _checkout(self, origin: Origin) -> Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if not idle:
                del self._idle[origin]  # endpoints come and go: keep no empty lists
            if connection.open and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
            idle = self._idle.get(origin)
        return None

    def _forget(self, connection: Connection) -> None:
        """A kept connection closed (by the server, or here): out of the pool."""
        idle = self._idle.get(connection.origin)
        if idle is not None and connection in idle:
            idle.remove(connection)
            self._idle_count -= 1
            if not idle:
                del self._idle[connection.origin]

    def _close_stale(self) -> None:
        self._sweep = None
        cutoff = time.monotonic() - IDLE_SECONDS
        for idle in list(self._idle.values()):
            for connection in [c for c in idle if c.idle_since <= cutoff]:
                self._forget(connection)
                connection.close()
        if self._idle_count:
            loop = asyncio.get_running_loop()
            self._sweep = loop.call_later(IDLE_SECONDS, self._close_stale)

    async def _connect(self, target: Target) -> Connection:
        sock = await open_socket(target.host, target.origin[2], self._resolver, self._socket)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _, connection = await asyncio.get_running_loop().create_connection(
                lambda: Connection(target.origin, self._forget),
                sock=sock,
                ssl=self._tls() if target.tls else None,
                server_hostname=target.host.lookup_name if target.tls else None,
            )
        except BaseException:
            sock.close()
            raise
        return connection

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    def _target(self, url: str) -> Target | str:
        known = self._targets.get(url)
        if known is None:
            if len(self._targets) >= URL_MEMO:
                self._targets.clear()
            verdict = judge_url(url, self._allowed)
            known = self._targets[url] = verdict if isinstance(verdict, str) else target_of(verdict)
        return known

    async def close(self) -> None:
        for timer in (self._sweep, self._expiry):
            if timer is not None:
                timer.cancel()
        self._sweep = self._expiry = None
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        self._idle_count = 0
        for connection in list(self._busy):
            connection.close()
        await self._resolver.close()


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
