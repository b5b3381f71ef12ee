"""The email channel's sender against a real SMTP server (aiosmtpd on 127.0.0.1): the message
as a mail client reads it (non-ASCII headers, both bodies, a QR code and a barcode as inline
PNGs), and how the server's answers are classified."""

from __future__ import annotations

import ipaddress
from email.message import EmailMessage

from sendout.adapters.channels.email.email import EmailSender
from sendout.domain.targets import TargetPolicy
from tests.factories.smtp import (
    Server,
    free_port,
    message,
    settings,
    smtp,  # noqa: F401 (a fixture: used by name)
)

#: aiosmtpd listens on 127.0.0.1, on a port the system picks: allowed as an operator would
LOCAL = TargetPolicy(
    allowed=(ipaddress.ip_network("127.0.0.0/8"),), smtp_ports=(range(1024, 65536),)
)


async def test_the_message_a_mail_client_reads(smtp: tuple[Server, int]) -> None:  # noqa: F811
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


async def test_answers_are_classified(smtp: tuple[Server, int]) -> None:  # noqa: F811
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
