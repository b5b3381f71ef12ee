"""A recording transport: what the sender sent, answered with scripted results."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from sendout.domain.channels import ProviderConfig
from sendout.domain.deliveries import OutboundRequest, SendResult

OK = SendResult(status_code=200, duration_ms=1)
DOWN = SendResult(status_code=503, duration_ms=1, error="service unavailable")


class RecordingTransport:
    """A ``ChannelSender`` (webhooks) and a ``MessageSender`` (message channels) in one: it
    records every request or message and answers with the next scripted result (``OK``
    once the script runs out). ``gate``, while not set, keeps every send waiting: an
    attempt in flight, for as long as a test needs."""

    def __init__(self, results: Iterable[SendResult] = ()) -> None:
        self.script: deque[SendResult] = deque(results)
        self.requests: list[OutboundRequest] = []
        self.messages: list[tuple[Mapping[str, Any], ProviderConfig | None]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.closed = False

    def answer(self, *results: SendResult) -> None:
        self.script.extend(results)

    async def next_result(self) -> SendResult:
        await self.gate.wait()
        return self.script.popleft() if self.script else OK

    async def send(self, request: OutboundRequest) -> SendResult:
        self.requests.append(request)
        return await self.next_result()

    async def close(self) -> None:
        self.closed = True


class RecordingMessageSender:
    """The ``MessageSender`` face of a ``RecordingTransport`` (one script for both)."""

    def __init__(self, transport: RecordingTransport) -> None:
        self._transport = transport

    async def send(self, message: Mapping[str, Any], config: ProviderConfig | None) -> SendResult:
        self._transport.messages.append((message, config))
        return await self._transport.next_result()
