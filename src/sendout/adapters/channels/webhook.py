"""The webhook transport: aiohttp, keep-alive pool, bounded time, no redirects.

aiohttp is the off-the-shelf client fit for fan-out here (reference/stack-bench.md: ~0.08 of
the loopback limit, where httpx manages 0.004). Every failure becomes a ``SendResult``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from sendout.domain.deliveries import RESPONSE_EXCERPT_BYTES, OutboundRequest, SendResult
from sendout.domain.targets import IPNetwork, is_allowed_address

REFUSED = "PrivateTargetRefused"


class TargetRefused(OSError):
    """The URL resolves only to addresses webhooks may not reach."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves as usual, then keeps public addresses only: the check is made on the address
    actually connected to, so a DNS name pointing inside the network is refused too."""

    def __init__(self, allowed: Sequence[IPNetwork] = ()) -> None:
        self._inner = DefaultResolver()
        self._allowed = tuple(allowed)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        allowed = [e for e in found if is_allowed_address(e["host"], self._allowed)]
        if not allowed:
            raise TargetRefused(f"{host} resolves to no public address")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


DEFAULT_TIMEOUT = 10.0  # seconds for the whole attempt
DEFAULT_CONNECTIONS = 256
DEFAULT_CONNECTIONS_PER_HOST = 32


class WebhookSender:
    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connections: int = DEFAULT_CONNECTIONS,
        per_host: int = DEFAULT_CONNECTIONS_PER_HOST,
        allowed_targets: Sequence[IPNetwork] = (),
    ) -> None:
        self._allowed = tuple(allowed_targets)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._connections = connections
        self._per_host = per_host
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections,
                limit_per_host=self._per_host,
                resolver=PublicOnlyResolver(self._allowed),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                auto_decompress=True,
            )
        return self._session

    async def send(self, request: OutboundRequest) -> SendResult:
        started = time.perf_counter()
        host = urlsplit(request.url).hostname or ""
        if _is_ip(host) and not is_allowed_address(host, self._allowed):
            # An address literal is not resolved, so the resolver's check never sees it.
            return SendResult(status_code=None, duration_ms=0, error=REFUSED, final=True)
        try:
            async with self._client().post(
                request.url,
                data=request.body,
                headers=dict(request.headers),
                allow_redirects=False,
            ) as response:
                excerpt = await response.content.read(RESPONSE_EXCERPT_BYTES)
                return SendResult(
                    status_code=response.status,
                    duration_ms=_elapsed_ms(started),
                    # str(): aiohttp keys are case-insensitive str subclasses.
                    response_headers={str(k): str(v) for k, v in response.headers.items()},
                    response_excerpt=excerpt.decode("utf-8", "replace"),
                )
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            # aiohttp wraps the resolver's refusal: look through the wrapping.
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


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
