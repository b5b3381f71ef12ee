"""One HTTP/1.1 connection of the native webhook transport: an ``asyncio.Protocol`` that
writes one request at a time and reads its answer with httptools' parser.

The status line is the receiver's answer: a body that breaks off or is malformed after it
does not take the answer back, and a connection whose framing cannot be trusted afterwards
(a 204 or 304 announcing a body, a parse error, an unread tail) is closed, not reused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import httptools

from sendout.domain.deliveries import RESPONSE_EXCERPT_BYTES

#: statuses that never have a body: one announced anyway would be read as the next answer
NO_BODY_STATUSES = frozenset({204, 304})


class ServerDisconnected(ConnectionError):
    """The server closed the connection before any byte of an answer."""


Origin = tuple[str, str, int]  # scheme, host as connected to, port


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    excerpt: bytes


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, answered through ``waiter``."""

    def __init__(self, origin: Origin, on_lost: Callable[[Connection], None]) -> None:
        self.origin = origin
        self._on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Answer] | None = None
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
        if self._status in NO_BODY_STATUSES:
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

    def request(self, data: bytes, deadline: float) -> asyncio.Future[Answer]:
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
        waiter.set_result(Answer(self._status, headers, excerpt))

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
