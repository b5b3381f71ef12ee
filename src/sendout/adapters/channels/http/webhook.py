"""The webhook transport: aiohttp, keep-alive pool, bounded time, no redirects.

aiohttp is the off-the-shelf client fit for fan-out here (reference/stack-bench.md compares
it with httpx). Every failure becomes a ``SendResult``.

SSRF (DESIGN.md §7): the URL is read by the domain's parser and judged by the guard
(``guard.py``) before aiohttp sees it, and aiohttp is handed the URL written back from that
reading (plain ASCII, which yarl reads the same way); names go through ``PublicOnlyResolver``
and every socket through the guarded socket factory.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any, cast

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.client_proto import ResponseHandler
from aiohttp.helpers import EMPTY_BODY_STATUS_CODES
from aiohttp.http import HttpResponseParser, RawResponseMessage
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.http_parser import HttpParser
from aiohttp.streams import EMPTY_PAYLOAD, StreamReader

from sendout.adapters.channels.guard import (
    REFUSED,
    PublicOnlyResolver,
    TargetRefused,
    UrlGuard,
    guarded_socket_factory,
)
from sendout.domain.deliveries import RESPONSE_EXCERPT_BYTES, OutboundRequest, SendResult
from sendout.domain.targets import IPNetwork

#: how much of a response is kept to recover its head: far more than any webhook receiver's
#: status line and headers, and bounded
_HEAD_LIMIT = 64 * 1024


class _StatusKeepingParser:
    """aiohttp's response parser for one response, keeping the status it drops.

    llhttp rejects bytes after a response that may have no body (a 204 or 304 that carries
    one anyway, or a 200 whose body is malformed), and aiohttp then reports a made-up 400
    for the whole response, losing the status the receiver did send. When that happens and
    the head alone parses, the head is the answer: its status is reported with an empty body
    and the connection is closed after it.
    """

    def __init__(
        self,
        inner: HttpParser[Any],
        protocol: ResponseHandler,
        *,
        max_line_size: int,
        max_field_size: int,
        max_headers: int,
    ) -> None:
        self._inner = inner
        self._protocol = protocol
        self._max_line_size = max_line_size
        self._max_field_size = max_field_size
        self._max_headers = max_headers
        self._head: bytearray | None = bytearray()  # None once answered or too long
        self._recovered = False

    def feed_data(
        self, data: bytes
    ) -> tuple[Sequence[tuple[RawResponseMessage, StreamReader]], bool, bytes]:
        if self._recovered:
            return (), False, b""
        if self._head is not None:
            self._head += data
            if len(self._head) > _HEAD_LIMIT:
                self._head = None
        try:
            messages, upgraded, tail = self._inner.feed_data(data)
        except HttpProcessingError:
            message = self._head_message()
            if message is None:
                raise
            self._recovered = True
            self._head = None
            # What is left on the connection cannot be trusted: close it after this response.
            self._protocol.force_close()
            return [(message, EMPTY_PAYLOAD)], False, b""
        if messages:
            self._head = None
            if any(_announces_forbidden_body(message) for message, _ in messages):
                # Its body may still be on the way, and would be read as the next response.
                self._protocol.force_close()
        return messages, upgraded, tail

    def feed_eof(self) -> Any:
        return None if self._recovered else self._inner.feed_eof()

    def _head_message(self) -> RawResponseMessage | None:
        if self._head is None:
            return None
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            return None
        # A fresh parser of the same kind judges the head alone: the fallback is no more
        # lenient about status lines and headers than aiohttp itself.
        parser = HttpResponseParser(
            self._protocol,
            self._protocol._loop,
            _HEAD_LIMIT,
            response_with_body=False,
            payload_exception=aiohttp.ClientPayloadError,
            max_line_size=self._max_line_size,
            max_field_size=self._max_field_size,
            max_headers=self._max_headers,
        )
        try:
            messages, _, _ = parser.feed_data(bytes(self._head[: end + 4]))
        except HttpProcessingError:
            return None
        if not messages:
            return None
        return messages[0][0]


def _announces_forbidden_body(message: RawResponseMessage) -> bool:
    if message.code not in EMPTY_BODY_STATUS_CODES:
        return False
    headers = message.headers
    return headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in headers


class _StatusKeepingHandler(ResponseHandler):
    def set_response_params(self, **params: Any) -> None:
        super().set_response_params(**params)
        assert self._parser is not None
        # Duck-typed: the protocol calls nothing but feed_data and feed_eof on its parser.
        self._parser = cast(
            HttpResponseParser,
            _StatusKeepingParser(
                self._parser,
                self,
                max_line_size=params.get("max_line_size", 8190),
                max_field_size=params.get("max_field_size", 8190),
                max_headers=params.get("max_headers", 128),
            ),
        )


class _Connector(aiohttp.TCPConnector):
    """A TCPConnector whose connections use ``_StatusKeepingHandler``. aiohttp offers no public
    hook for the protocol, so this sets the private factory; aiohttp is pinned, and the tests
    of a 204 with a body fail if an upgrade moves it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        handler: type[ResponseHandler] = _StatusKeepingHandler
        self._factory = functools.partial(handler, loop=self._loop)


DEFAULT_TIMEOUT = 10.0  # seconds for the whole attempt
DEFAULT_CONNECTIONS = 256
# No cap per host: the deliverer limits attempts per endpoint (URL) itself, and a pool cap
# below that would make attempts queue for a connection inside their timeout.
DEFAULT_CONNECTIONS_PER_HOST = 0


class WebhookSender:
    """Sends webhooks to allowed targets only (public addresses, or ``allowed_targets``).

    ``resolver`` does the DNS lookups whose answers are then filtered (aiohttp's default
    resolver unless given; tests give one that answers names with private addresses).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connections: int = DEFAULT_CONNECTIONS,
        per_host: int = DEFAULT_CONNECTIONS_PER_HOST,
        allowed_targets: Sequence[IPNetwork] = (),
        resolver: AbstractResolver | None = None,
    ) -> None:
        self._allowed = tuple(allowed_targets)
        self._urls = UrlGuard(self._allowed)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._connections = connections
        self._per_host = per_host
        self._inner_resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = _Connector(
                limit=self._connections,
                limit_per_host=self._per_host,
                resolver=PublicOnlyResolver(self._allowed, inner=self._inner_resolver),
                socket_factory=guarded_socket_factory(self._allowed),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                auto_decompress=True,
            )
        return self._session

    async def send(self, request: OutboundRequest) -> SendResult:
        started = time.perf_counter()
        url = self._urls.judge(request.url)
        if isinstance(url, str):
            return SendResult(status_code=None, duration_ms=0, error=url, final=True)
        try:
            async with self._client().post(
                str(url),
                data=request.body,
                headers=dict(request.headers),
                allow_redirects=False,
            ) as response:
                try:
                    excerpt = await response.content.read(RESPONSE_EXCERPT_BYTES)
                except (aiohttp.ClientError, TimeoutError):
                    # The status line is the receiver's answer; a body that breaks off or
                    # is malformed after it does not take that answer back.
                    excerpt = b""
                return SendResult(
                    status_code=response.status,
                    duration_ms=_elapsed_ms(started),
                    # str(): aiohttp keys are case-insensitive str subclasses.
                    response_headers={str(k): str(v) for k, v in response.headers.items()},
                    response_excerpt=excerpt.decode("utf-8", "replace"),
                )
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            # aiohttp wraps the resolver's and the socket factory's refusal: look through.
            causes = (exc, exc.__cause__, getattr(exc, "os_error", None))
            refused = any(isinstance(cause, TargetRefused) for cause in causes)
            return SendResult(
                status_code=None,
                duration_ms=_elapsed_ms(started),
                error=REFUSED if refused else type(exc).__name__,
                final=refused,
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
