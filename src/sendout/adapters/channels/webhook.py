"""The webhook transport: aiohttp, keep-alive pool, bounded time, no redirects.

aiohttp is the off-the-shelf client fit for fan-out here (reference/stack-bench.md: ~0.08 of
the loopback limit, where httpx manages 0.004). Every failure becomes a ``SendResult``.
"""

from __future__ import annotations

import time

import aiohttp

from sendout.domain.deliveries import RESPONSE_EXCERPT_BYTES, OutboundRequest, SendResult

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
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._connections = connections
        self._per_host = per_host
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._connections, limit_per_host=self._per_host
                ),
                timeout=self._timeout,
                auto_decompress=True,
            )
        return self._session

    async def send(self, request: OutboundRequest) -> SendResult:
        started = time.perf_counter()
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
            return SendResult(
                status_code=None, duration_ms=_elapsed_ms(started), error=type(exc).__name__
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
