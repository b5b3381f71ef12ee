"""SMTP through the SSRF guard, for the email channel and the operator's alert mailer.

aiosmtplib would resolve and connect by itself, to any host and port. Instead the connection
is opened by the guard (``guard.open_socket``: the host read as the API read it when it was
saved, a name resolved once and only its allowed addresses kept, the socket address judged
again before ``connect()``), and the connected socket is handed to aiosmtplib with the
server's name for TLS (SNI and the certificate check), so no second lookup can rebind it.
Only the mail ports (25, 465, 587, 2525) and those the operator opens are connected to.

What a failure says (the send-out's ``reason``, read by whoever configured the server) is
bounded, so the channel cannot be used to read other services' banners: a connection that
fails or a refusal says its class only, and the server's words are kept only from answers to
the message itself (MAIL, RCPT, DATA), which a server that greeted as SMTP and took EHLO gave:
"550 5.1.1 mailbox unknown" is what the operator needs to see, cut short.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage

import aiosmtplib
from aiohttp.abc import AbstractResolver

from sendout.adapters.channels.guard import (
    REFUSED,
    PublicOnlyResolver,
    TargetRefused,
    guarded_socket_factory,
    open_socket,
)
from sendout.domain.targets import IPNetwork, TargetPolicy
from sendout.domain.urls import InvalidUrl, parse_host

TIMEOUT = 10.0  # seconds for the connection, and for each SMTP command after it
#: at most this much of an SMTP server's answer is kept in a reason
MAX_SAID = 200
#: the operator's own server is trusted wherever it is (see ``SmtpClient``)
_EVERYWHERE: tuple[IPNetwork, ...] = (
    ipaddress.IPv4Network("0.0.0.0/0"),
    ipaddress.IPv6Network("::/0"),
)
#: answers to the message itself: the server's words are worth reporting
_MESSAGE_ANSWERS = (
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPRecipientRefused,
    aiosmtplib.SMTPDataError,
)


class SmtpPortRefused(TargetRefused):
    """A port SMTP may not connect to."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpServer:
    host: str
    port: int
    #: TLS from the first byte (port 465)
    use_tls: bool = False
    #: STARTTLS: True required, False never, None when the server offers it
    start_tls: bool | None = None
    username: str | None = None
    password: str | None = None


class SmtpClient:
    """Hands messages to SMTP servers, connecting through the guard.

    ``targets`` None is the operator's alert mailer (``SENDOUT_SMTP_URL``): that server is the
    operator's own configuration, not input of an API caller, and is often a relay on
    loopback or the private network. Making it pass ``SENDOUT_ALLOWED_TARGETS`` would force
    operators to open those ranges to every project's webhooks and integrations too, which is
    the hole this guard closes; so it is trusted wherever it is, on any port, and still goes
    through the same connect (one lookup, the checked socket handed over).
    """

    def __init__(
        self,
        targets: TargetPolicy | None,
        *,
        timeout: float = TIMEOUT,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self._targets = targets
        allowed = _EVERYWHERE if targets is None else targets.allowed
        self._resolver = PublicOnlyResolver(allowed, inner=resolver)
        self._socket = guarded_socket_factory(allowed)
        self._timeout = timeout

    async def send(self, server: SmtpServer, mime: MimeMessage) -> None:
        """Deliver ``mime``; raises what ``failure`` explains."""
        host = parse_host(server.host)
        if self._targets is not None and not self._targets.allows_smtp_port(server.port):
            raise SmtpPortRefused(
                f"SmtpPortRefused: {server.port} is not one of the SMTP ports "
                f"({self._targets.smtp_ports_text()})"
            )
        async with asyncio.timeout(self._timeout):
            sock = await open_socket(host, server.port, self._resolver, self._socket)
        try:
            client = aiosmtplib.SMTP(
                sock=sock,
                hostname=host.lookup_name,  # for TLS only: the socket is connected already
                use_tls=server.use_tls,
                start_tls=server.start_tls,
                username=server.username,
                password=server.password,
                timeout=self._timeout,
            )
            async with client:
                await client.send_message(mime)
        except BaseException:
            sock.close()  # when aiosmtplib never took it over (closing twice does nothing)
            raise


def failure(exc: BaseException) -> tuple[str, bool] | None:
    """What a failed send says, and whether it is final (retrying cannot help); None when
    ``exc`` is not a failure of sending."""
    if isinstance(exc, SmtpPortRefused):
        return str(exc), True
    if isinstance(exc, TargetRefused):
        return REFUSED, True
    if isinstance(exc, InvalidUrl):
        return f"InvalidHost: {exc}", True
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # A 4xx refusal is "not now" (greylisting, a full mailbox): retried; 5xx is final.
        said = "; ".join(f"{r.code} {_said(r.message)}" for r in exc.recipients)
        return f"recipient refused: {said}", all(r.code >= 500 for r in exc.recipients)
    if isinstance(exc, _MESSAGE_ANSWERS):
        return f"SMTP {exc.code}: {_said(exc.message)}", exc.code >= 500
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        # A greeting, EHLO, AUTH or STARTTLS answer: its code only (a banner is not news).
        code = f" {exc.code}" if 100 <= exc.code <= 599 else ""
        return f"{type(exc).__name__}{code}", exc.code >= 500
    if isinstance(exc, aiosmtplib.SMTPException | OSError | ssl.SSLError | ValueError):
        return type(exc).__name__, False
    return None


def _said(message: str) -> str:
    """A server's words on one line, cut short."""
    text = " ".join("".join(c if c.isprintable() else " " for c in message).split())
    return text if len(text) <= MAX_SAID else text[: MAX_SAID - 1] + "…"
