"""A real SMTP server (aiosmtpd on 127.0.0.1), a message to send it and the settings to reach it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from sendout.adapters.channels.email.email import SPEC
from sendout.domain.channels import MessageChannel, render_message
from tests.integration.standins import config


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
