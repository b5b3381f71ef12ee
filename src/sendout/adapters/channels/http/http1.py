"""The native webhook transport: HTTP/1.1 over ``asyncio.Protocol`` with httptools' parser.

Why not aiohttp alone (kept as ``SENDOUT_HTTP_CLIENT=aiohttp``): delivering is this program's
hot loop, and aiohttp spends ~130 µs of CPU per POST (reference/stack-bench.md: 0.07-0.09 of
what wrk reaches against the same receiver), which by itself caps a worker below the
whole-path target. A keep-alive HTTP/1.1 POST is a small protocol: this client writes one
request head and body per connection at a time, parses the answer with httptools (llhttp,
the parser uvicorn and aiohttp's C path use), and costs ~10 µs per request.

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
import base64
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import httptools
from aiohttp.abc import AbstractResolver

from sendout import __version__
from sendout.adapters.channels.guard import (
    REFUSED,
    URL_MEMO,
    PublicOnlyResolver,
    TargetRefused,
    guarded_socket_factory,
    judge_url,
    open_socket,
)
from sendout.adapters.channels.http.webhook import DEFAULT_CONNECTIONS, DEFAULT_TIMEOUT
from sendout.domain.deliveries import RESPONSE_EXCERPT_BYTES, OutboundRequest, SendResult
from sendout.domain.targets import IPNetwork
from sendout.domain.urls import Host, HttpUrl

USER_AGENT = f"Sendout/{__version__}"
IDLE_SECONDS = 15.0  # a kept connection idle this long is closed
SWEEP_SECONDS = 0.05  # how often requests in flight are checked against their deadline
#: request headers the transport owns: a user's value would break the message's framing
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
_NO_BODY_STATUSES = frozenset({204, 304})


class _Refused(Exception):
    """An attempt that must not be made (its reason is the result's error; final)."""


class ServerDisconnected(ConnectionError):
    """The server closed the connection before any byte of an answer."""


Origin = tuple[str, str, int]  # scheme, host as connected to, port


@dataclass(frozen=True, slots=True)
class _Target:
    """What every attempt to one URL shares, worked out once."""

    origin: Origin
    host: Host  # what is connected to (an address, or a name for the resolver and TLS)
    head: bytes  # request line and the fixed headers

    @property
    def tls(self) -> bool:
        return self.origin[0] == "https"


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: dict[str, str]
    excerpt: bytes


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, answered through ``waiter``."""

    def __init__(self, origin: Origin, on_lost: Callable[[_Connection], None]) -> None:
        self.origin = origin
        self._on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[_Answer] | None = None
        self.deadline = 0.0  # loop time: the request in flight times out then
        self.reusable = False
        self.idle_since = 0.0
        self._reset()

    def _reset(self) -> None:
        self._headers: list[tuple[bytes, bytes]] = []
        self._excerpt = bytearray()
        self._status = 0
        self._head_done = False
        self._informational = False
        self._announces_body = False
        self._got_bytes = False

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio's, only alike.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            # Bytes nobody asked for (a body after a head that announced none): the
            # connection's framing is lost.
            self.close()
            return
        self._got_bytes = True
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            # (An upgrade is never asked for: its 101 is as foreign as malformed bytes.)
            if self._head_done and not self._informational:
                self._answer(excerpt=b"")  # the status line stands; the body does not
            else:
                self._fail(exc)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self._on_lost(self)
        if self.waiter is not None and not self.waiter.done():
            if self._head_done and not self._informational:
                # A body delimited by the end of the connection, or one cut short.
                self._answer(excerpt=bytes(self._excerpt))
            elif not self._got_bytes:
                self._fail(ServerDisconnected("the server closed the connection"))
            else:
                self._fail(ConnectionResetError("the connection closed inside the answer"))

    # --- httptools callbacks ------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()
        self._head_done = True
        self._informational = self._status < 200
        if self._status in _NO_BODY_STATUSES:
            for name, value in self._headers:
                lowered = name.lower()
                if (lowered == b"content-length" and value.strip() != b"0") or (
                    lowered == b"transfer-encoding"
                ):
                    # Its body may still come, and would be read as the next answer.
                    self._announces_body = True

    def on_body(self, body: bytes) -> None:
        room = RESPONSE_EXCERPT_BYTES - len(self._excerpt)
        if room > 0:
            self._excerpt += body[:room]
        elif not self._informational:
            # Enough for the excerpt: answer now rather than wait for a long body to end
            # (the connection is not reused, so the rest is never read).
            self._answer(excerpt=bytes(self._excerpt))
            self.close()

    def on_message_complete(self) -> None:
        if self._informational:  # 100 Continue and the like: the answer is still to come
            self._reset()
            return
        self.reusable = self._parser.should_keep_alive() and not self._announces_body
        self._answer(excerpt=bytes(self._excerpt))

    # --- the exchange -------------------------------------------------------------------

    def request(self, data: bytes, deadline: float) -> asyncio.Future[_Answer]:
        """Send ``data``; the answer, or TimeoutError once ``expire_overdue`` finds the
        ``deadline`` (loop time) passed."""
        assert self.transport is not None
        self._reset()
        self.reusable = False
        self.deadline = deadline
        waiter = self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return waiter

    def expire_overdue(self, now: float) -> None:
        waiter = self.waiter
        if now >= self.deadline and waiter is not None and not waiter.done():
            waiter.set_exception(TimeoutError())
            self.close()

    def _answer(self, *, excerpt: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in self._headers}
        waiter.set_result(_Answer(self._status, headers, excerpt))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    @property
    def open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.abort()


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
        self._targets: dict[str, _Target | str] = {}
        self._idle: dict[Origin, list[_Connection]] = {}
        self._idle_count = 0
        self._sweep: asyncio.TimerHandle | None = None
        self._busy: set[_Connection] = set()
        # Timeouts: one timer for all the requests in flight, not one per request (uvloop's
        # call_at and cancel cost ~10 µs a request, as much as the rest of the exchange).
        # A timeout is seen at most a twentieth of itself late, and at most SWEEP_SECONDS.
        self._sweep_every = max(0.001, min(SWEEP_SECONDS, timeout / 20))
        self._expiry: asyncio.TimerHandle | None = None

    async def send(self, request: OutboundRequest) -> SendResult:
        started = time.perf_counter()
        target = self._target(request.url)
        if isinstance(target, str):
            return SendResult(status_code=None, duration_ms=0, error=target, final=True)
        try:
            data = _message(target, request.headers, request.body)
            deadline = asyncio.get_running_loop().time() + self._timeout
            answer = await self._exchange(target, data, deadline)
        except _Refused as refused:
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
            response_excerpt=_decoded(answer).decode("utf-8", "replace"),
        )

    async def _exchange(self, target: _Target, data: bytes, deadline: float) -> _Answer:
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
        self, connection: _Connection, target: _Target, data: bytes, deadline: float
    ) -> _Answer:
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

    def _keep_idle(self, connection: _Connection) -> None:
        connection.idle_since = time.monotonic()
        self._idle.setdefault(connection.origin, []).append(connection)
        self._idle_count += 1
        if self._sweep is None:
            loop = asyncio.get_running_loop()
            self._sweep = loop.call_later(IDLE_SECONDS, self._close_stale)

    def _checkout(self, origin: Origin) -> _Connection | None:
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

    def _forget(self, connection: _Connection) -> None:
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

    async def _connect(self, target: _Target) -> _Connection:
        sock = await open_socket(target.host, target.origin[2], self._resolver, self._socket)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _, connection = await asyncio.get_running_loop().create_connection(
                lambda: _Connection(target.origin, self._forget),
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

    def _target(self, url: str) -> _Target | str:
        known = self._targets.get(url)
        if known is None:
            if len(self._targets) >= URL_MEMO:
                self._targets.clear()
            verdict = judge_url(url, self._allowed)
            known = self._targets[url] = (
                verdict if isinstance(verdict, str) else _target_of(verdict)
            )
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


def _target_of(url: HttpUrl) -> _Target:
    lines = [
        f"POST {url.target} HTTP/1.1",
        f"Host: {url.host_header}",
        f"User-Agent: {USER_AGENT}",
    ]
    credentials = url.credentials
    if credentials is not None:
        # Credentials in the URL mean HTTP basic authentication, as browsers and aiohttp read it.
        pair = ":".join(credentials)
        lines.append(f"Authorization: Basic {base64.b64encode(pair.encode()).decode()}")
    head = ("\r\n".join(lines) + "\r\n").encode()
    return _Target(origin=(url.scheme, url.host.name, url.port), host=url.host, head=head)


def _message(target: _Target, headers: Mapping[str, str], body: bytes) -> bytes:
    parts = [target.head]
    for name, value in headers.items():
        if name.lower() in _OWN_HEADERS:
            continue
        text = f"{name}: {value}\r\n"
        if "\n" in text[:-2] or "\r" in text[:-2] or "\x00" in text:
            # A line break would start a header (or a request) the sender never wrote.
            raise _Refused(f"InvalidHeader: {name!r} holds a line break")
        parts.append(text.encode())
    parts.append(b"Content-Length: %d\r\n\r\n" % len(body))
    parts.append(body)
    return b"".join(parts)


def _decoded(answer: _Answer) -> bytes:
    """The excerpt as the receiver meant it: gzip or deflate undone, as far as it goes."""
    encoding = next(
        (v.strip().lower() for k, v in answer.headers.items() if k.lower() == "content-encoding"),
        "",
    )
    if encoding not in ("gzip", "deflate", "x-gzip") or not answer.excerpt:
        return answer.excerpt
    # 32 + 15: a zlib or a gzip header, whichever comes; a raw deflate stream is tried after.
    for wbits in (47, -15):
        try:
            inflater = zlib.decompressobj(wbits)
            return inflater.decompress(answer.excerpt, RESPONSE_EXCERPT_BYTES)
        except zlib.error:
            continue
    return answer.excerpt


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
