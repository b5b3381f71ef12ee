"""The email channel's sender against a real SMTP server (aiosmtpd on 127.0.0.1): the message
as a mail client reads it (non-ASCII headers, both bodies, a QR code and a barcode as inline
PNGs), and how the server's answers are classified."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from sendout.adapters.channels.email.email import SPEC, EmailSender
from sendout.domain.channels import MessageChannel, render_message
from sendout.domain.targets import TargetPolicy
from tests.integration.standins import config

#: aiosmtpd listens on 127.0.0.1, on a port the system picks: allowed as an operator would
LOCAL = TargetPolicy(
    allowed=(ipaddress.ip_network("127.0.0.0/8"),), smtp_ports=(range(1024, 65536),)
)


class Server:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse is not None:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Server, int]]:
    handler, port = Server(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def message() -> dict[str, object]:
    channel = MessageChannel(
        id="ch_1",
        type="email",
        event_name="mail",
        settings={
            "subject": "Twój kod, {{customer.name}}",
            "text": "Kod: {{voucher.code}}",
            "html": "<b>{{customer.name}}</b> {{voucher.code | qr}} {{voucher.code | barcode}}",
        },
    )
    data = {
        "customer": {"name": "Łukasz <Ś>", "email": "lukasz@x.test"},
        "voucher": {"code": "KOD-123"},
    }
    return {**render_message(channel, SPEC, data).as_document(), "sendout_id": "whs_1"}


def settings(port: int, host: str = "127.0.0.1") -> object:
    return config(
        "smtp",
        host=host,
        port=port,
        tls="none",
        from_address="shop@x.test",
        from_name="Sklep Ünï",
    )


async def test_the_message_a_mail_client_reads(smtp: tuple[Server, int]) -> None:
    server, port = smtp
    result = await EmailSender(targets=LOCAL).send(message(), settings(port))  # type: ignore[arg-type]
    assert (result.delivered, result.status_code) == (True, 250)
    (mail,) = server.messages
    assert mail["To"] == "lukasz@x.test"
    assert mail["Subject"] == "Twój kod, Łukasz <Ś>"
    assert mail["From"].addresses[0].display_name == "Sklep Ünï"
    assert mail["Message-ID"] == "<whs_1@x.test>"
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert plain.get_content().strip() == "Kod: KOD-123"
    body = html.get_content()
    assert body.startswith("<b>Łukasz &lt;Ś&gt;</b>")  # escaped in HTML
    images = {
        p["Content-ID"].strip("<>"): p for p in mail.walk() if p.get_content_maintype() == "image"
    }
    assert len(images) == 2
    for cid, part in images.items():
        assert f'src="cid:{cid}"' in body
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        assert payload.startswith(b"\x89PNG")
    assert {cid.split("-")[0] for cid in images} == {"qr", "barcode"}


async def test_answers_are_classified(smtp: tuple[Server, int]) -> None:
    server, port = smtp
    server.refuse = "550 5.1.1 No such user"
    refused = await EmailSender(targets=LOCAL).send(message(), settings(port))  # type: ignore[arg-type]
    assert (refused.delivered, refused.final) == (False, True)
    assert "No such user" in (refused.error or "")
    server.refuse = "451 4.3.0 Try again later"
    later = await EmailSender(targets=LOCAL).send(message(), settings(port))  # type: ignore[arg-type]
    assert (later.delivered, later.final) == (False, False)
    down = await EmailSender(targets=LOCAL, timeout=2).send(message(), settings(free_port()))  # type: ignore[arg-type]
    assert (down.delivered, down.final) == (False, False)
    missing = await EmailSender(targets=LOCAL).send(message(), None)
    assert missing.final
