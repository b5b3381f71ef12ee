"""SMTP through the SSRF guard, against real sockets on 127.0.0.1: the webhook corpus of
internal targets, as SMTP hosts, never connected to; allowed ranges and opened ports reached;
and no banner of the far end in a send-out's reason."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from sendout.adapters.channels.email.email import EmailSender
from sendout.adapters.channels.email.smtp import SmtpMailer
from sendout.adapters.channels.guard import REFUSED
from sendout.domain.deliveries import EmailMessage
from sendout.domain.targets import IPNetwork, TargetPolicy
from tests.factories.smtp import Server, message, smtp  # noqa: F401 (fixture)
from tests.factories.smtp import settings as smtp_settings
from tests.factories.targets import SMTP_HOSTS
from tests.integration.standins import FakeDNS

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
BANNER = b"SSH-2.0-OpenSSH_9.6 secret-banner-text"


@dataclass
class Listener:
    """A TCP server on 127.0.0.1 (and ::1 when the machine has it) that counts connections
    and greets each with ``greeting``, as any service a scanner would look for does."""

    port: int
    greeting: bytes
    connections: int = 0


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    found = Listener(port=0, greeting=BANNER + b"\r\n")

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        found.connections += 1
        writer.write(found.greeting)
        await writer.drain()
        await reader.read(1024)
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    servers = [server]
    try:
        servers.append(await asyncio.start_server(greet, "::1", found.port))
    except OSError:
        pass  # no IPv6 loopback here: the v6 spellings are refused before connecting anyway
    yield found
    for each in servers:
        each.close()
        await each.wait_closed()


def test_the_smtp_corpus_is_the_webhook_corpus() -> None:
    assert len(SMTP_HOSTS) >= 40
    assert {"127.1", "0x7f000001", "[::1]", "localhost", "rebind.test"} <= set(SMTP_HOSTS)


def open_port(port: int, allowed: tuple[IPNetwork, ...] = ()) -> TargetPolicy:
    """A policy with the listener's port opened (as SENDOUT_SMTP_PORTS would): what is judged
    is the address alone."""
    return TargetPolicy(allowed=allowed, smtp_ports=(range(port, port + 1),))


@pytest.mark.parametrize("host", SMTP_HOSTS)
async def test_internal_smtp_hosts_are_never_connected_to(listener: Listener, host: str) -> None:
    sender = EmailSender(targets=open_port(listener.port), timeout=2, resolver=FakeDNS())
    result = await sender.send(message(), smtp_settings(listener.port, host=host))  # type: ignore[arg-type]
    expected = REFUSED if host.isascii() else "InvalidHost: the host must be ASCII"
    assert (result.status_code, result.final) == (None, True)
    assert (result.error or "").startswith(expected)
    assert listener.connections == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0x7f000001", "rebind.test"])
async def test_an_allowed_range_is_reached(smtp: tuple[Server, int], host: str) -> None:  # noqa: F811
    server, port = smtp
    sender = EmailSender(targets=open_port(port, LOOPBACK), timeout=2, resolver=FakeDNS())
    result = await sender.send(message(), smtp_settings(port, host=host))  # type: ignore[arg-type]
    assert (result.delivered, result.error) == (True, None)
    assert len(server.messages) == 1


async def test_ports_outside_the_mail_ports_are_refused_unless_opened(listener: Listener) -> None:
    closed = EmailSender(targets=TargetPolicy(allowed=LOOPBACK), timeout=2)
    result = await closed.send(message(), smtp_settings(listener.port))  # type: ignore[arg-type]
    assert result.final
    assert (result.error or "").startswith(f"SmtpPortRefused: {listener.port}")
    assert listener.connections == 0
    opened = EmailSender(targets=open_port(listener.port, LOOPBACK), timeout=2)
    await opened.send(message(), smtp_settings(listener.port))  # type: ignore[arg-type]
    assert listener.connections == 1


@pytest.mark.parametrize(
    "greeting",
    [
        BANNER + b"\r\n",  # not SMTP at all
        b"554 secret-banner-text go away\r\n",  # an SMTP refusal carrying text
        b"220 secret-banner-text ESMTP\r\n",  # greets, then answers EHLO with nothing
        b"",  # says nothing and hangs up
    ],
)
async def test_the_reason_never_carries_the_far_ends_banner(
    listener: Listener, greeting: bytes
) -> None:
    listener.greeting = greeting
    sender = EmailSender(targets=open_port(listener.port, LOOPBACK), timeout=1)
    result = await sender.send(message(), smtp_settings(listener.port))  # type: ignore[arg-type]
    assert not result.delivered
    assert listener.connections == 1
    reason = result.error or ""
    assert reason
    assert "secret" not in reason
    assert "SSH" not in reason
    assert " " not in reason.removeprefix("SMTPConnectResponseError ")  # a class, a code


async def test_a_refused_connection_says_its_class_only() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    sender = EmailSender(targets=open_port(port, LOOPBACK), timeout=2)
    result = await sender.send(message(), smtp_settings(port))  # type: ignore[arg-type]
    assert (result.error, result.final) == ("ConnectionRefusedError", False)


async def test_the_operators_alert_server_is_trusted_on_loopback(
    smtp: tuple[Server, int],  # noqa: F811
) -> None:
    # SENDOUT_SMTP_URL is the operator's own setting: its relay on loopback (on any port) is
    # reached without opening loopback to every project's channels.
    server, port = smtp
    mailer = SmtpMailer(f"smtp://localhost:{port}?from=alerts@sendout.test", timeout=2)
    sent = await mailer.send(EmailMessage(to="ops@x.test", subject="Paused", text="Look"))
    assert (sent.sent, sent.error) == (True, None)
    assert server.messages[0]["Subject"] == "Paused"
