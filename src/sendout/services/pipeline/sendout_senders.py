"""The one interface the sender sends a claimed send-out through, whatever its channel.

A webhook's send-out is signed and posted through the HTTP transport (``ChannelSender``,
which holds the keep-alive pool and the SSRF guard); a message channel's is handed to its
kind's ``MessageSender`` with the project's provider configuration. Both answer with a
``SendResult`` value, so the deliverer never tells them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import orjson

from sendout.domain.channels import ProviderConfig
from sendout.domain.deliveries import ChannelSender, MessageSender, OutboundRequest, SendResult
from sendout.domain.secret_headers import unmasked
from sendout.domain.sendouts import Sendout
from sendout.domain.signing import signature_headers


class SendoutSender(Protocol):
    async def send(self, sendout: Sendout, started: datetime) -> SendResult:
        """One attempt of ``sendout`` (started at ``started``), answered with a value."""
        ...


class SignedWebhook:
    """A webhook's send-out: its recorded request, with its channel's secret header values
    put back and signed with the channel's current secrets (signed per attempt: the
    timestamp in the signature is the attempt's)."""

    def __init__(
        self, http: ChannelSender, secrets: list[str], secret_headers: Mapping[str, str]
    ) -> None:
        self._http = http
        self._secrets = secrets
        self._secret_headers = secret_headers

    async def send(self, sendout: Sendout, started: datetime) -> SendResult:
        headers = {
            **unmasked(sendout.headers, self._secret_headers),
            **signature_headers(self._secrets, sendout.id, int(started.timestamp()), sendout.body),
        }
        return await self._http.send(
            OutboundRequest(url=sendout.url, headers=headers, body=sendout.body)
        )


class ChannelMessage:
    """A message channel's send-out: its rendered message, to the kind's sender with the
    project's provider configuration (None: not configured; the sender says so)."""

    def __init__(self, sender: MessageSender, config: ProviderConfig | None) -> None:
        self._sender = sender
        self._config = config

    async def send(self, sendout: Sendout, started: datetime) -> SendResult:
        return await self._sender.send(orjson.loads(sendout.body), self._config)


class Unavailable:
    """The send-outs of a channel kind this installation has no transport for: each fails at
    once (retrying cannot help)."""

    def __init__(self, channel_type: str) -> None:
        self._type = channel_type

    async def send(self, sendout: Sendout, started: datetime) -> SendResult:
        return SendResult(
            status_code=None,
            duration_ms=0,
            error=f"no transport for {self._type} channels",
            final=True,
        )
