"""What one delivery attempt sends and what came back, as values (never exceptions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sendout.domain.channels import ProviderConfig

RESPONSE_EXCERPT_BYTES = 8 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundRequest:
    url: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class SendResult:
    """The outcome of one attempt. A failure of the remote end is a value, not an exception."""

    status_code: int | None
    duration_ms: int
    response_headers: Mapping[str, str] = field(default_factory=dict)
    #: the first ``RESPONSE_EXCERPT_BYTES`` of the response body
    response_excerpt: str = ""
    #: the class of a connection-level failure (timeout, refused, …), if any
    error: str | None = None
    #: retrying cannot help (e.g. the target is not allowed): fail the send-out now
    final: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def header(self, name: str) -> str | None:
        """A response header's value, its name matched in any case as HTTP names are
        (``response_headers`` keeps the names as the receiver wrote them)."""
        wanted = name.lower()
        return next((v for k, v in self.response_headers.items() if k.lower() == wanted), None)


class ChannelSender(Protocol):
    async def send(self, request: OutboundRequest) -> SendResult: ...
    async def close(self) -> None: ...


class MessageSender(Protocol):
    """Sends one message of a message channel (email, SMS, a CRM) with the project's provider
    configuration (None: the project has not configured it), answering with a value."""

    async def send(
        self, message: Mapping[str, Any], config: ProviderConfig | None
    ) -> SendResult: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    #: ``From``; None: the mailer's own address
    sender: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MailResult:
    """The outcome of handing one email to the SMTP server, as a value."""

    sent: bool
    error: str | None = None
    #: retrying cannot help (e.g. the recipient address is refused)
    final: bool = False


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> MailResult: ...
