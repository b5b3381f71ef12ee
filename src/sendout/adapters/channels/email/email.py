"""Email through the project's SMTP server (aiosmtplib).

The channel's ``to`` (by default the customer's email), ``subject``, ``text`` and ``html``
are templates. ``{{voucher.code | qr}}`` and ``{{voucher.code | barcode}}`` in the HTML body
become ``<img src="cid:…">`` pictures attached to the message (multipart/related): QR codes
drawn by segno, Code 128 barcodes by python-barcode. The Message-ID is made of the send-out's
id, so a receiving system can tell a retried message from a new one.

Answers: accepted is delivered; a refused recipient or another 5xx reply fails at once; a
connection failure or a 4xx reply is retried; a target the SSRF guard refuses fails at once.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.utils import formataddr, formatdate
from typing import Any

import barcode
import segno
from aiohttp.abc import AbstractResolver
from barcode.writer import ImageWriter

from sendout.adapters.channels.email.smtp_client import TIMEOUT, SmtpClient, SmtpServer, failure
from sendout.adapters.channels.http.http_api import not_configured, setting
from sendout.domain.channels import (
    ChannelSpec,
    ConfigField,
    ProviderConfig,
    ProviderSpec,
    Setting,
    SettingKind,
    TargetField,
)
from sendout.domain.deliveries import SendResult
from sendout.domain.targets import TargetPolicy

TLS_MODES = ("starttls", "tls", "none")

PROVIDER = ProviderSpec(
    name="smtp",
    label="SMTP server",
    fields=(
        ConfigField("host", required=True, target=TargetField.SMTP_HOST),
        ConfigField("port", number=True, default=587, target=TargetField.SMTP_PORT),
        ConfigField("username"),
        ConfigField("password", secret=True),
        ConfigField("tls", choices=TLS_MODES, default="starttls"),
        ConfigField("from_address", required=True),
        ConfigField("from_name"),
    ),
)

SPEC = ChannelSpec(
    type="email",
    label="Email",
    provider=PROVIDER,
    settings=(
        Setting("to", default="{{customer.email}}", description="the recipient's address"),
        Setting("subject", required=True),
        Setting("text", required=True, description="the plain-text body"),
        Setting(
            "html",
            kind=SettingKind.HTML,
            description="the HTML body; values are escaped; | qr and | barcode draw images",
        ),
    ),
    recipient="to",
    missing_recipient="customer has no email address",
)


def draw(kind: str, data: str) -> bytes:
    """A PNG of ``data`` as a QR code or a Code 128 barcode."""
    out = io.BytesIO()
    if kind == "qr":
        segno.make(data, micro=False).save(out, kind="png", scale=5, border=2)
    else:
        code = barcode.get("code128", data, writer=ImageWriter())
        code.write(out, options={"module_height": 12.0, "font_size": 8, "quiet_zone": 2.0})
    return out.getvalue()


def build_mime(message: Mapping[str, Any], config: ProviderConfig) -> MimeMessage:
    mime = MimeMessage()
    sender = setting(config, "from_address")
    mime["From"] = formataddr((setting(config, "from_name") or "", sender))
    mime["To"] = str(message["to"]).strip()
    mime["Subject"] = str(message.get("subject") or "")
    mime["Date"] = formatdate(localtime=False)
    domain = Address(addr_spec=sender).domain or "sendout"
    mime["Message-ID"] = f"<{message.get('sendout_id') or time.time_ns()}@{domain}>"
    mime.set_content(str(message.get("text") or ""))
    html = message.get("html")
    if html:
        mime.add_alternative(str(html), subtype="html")
        html_part = mime.get_body(preferencelist=("html",))
        assert isinstance(html_part, MimeMessage)
        for image in message.get("images") or []:
            html_part.add_related(
                draw(image["kind"], image["data"]),
                maintype="image",
                subtype="png",
                cid=f"<{image['cid']}>",
                filename=f"{image['kind']}.png",
            )
    return mime


class EmailSender:
    """Sends through the project's SMTP server, reached through the SSRF guard: only public
    addresses or ``targets``' allowed ranges, on the mail ports (``smtp_client.py``)."""

    def __init__(
        self,
        *,
        targets: TargetPolicy,
        timeout: float = TIMEOUT,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self._client = SmtpClient(targets, timeout=timeout, resolver=resolver)

    async def send(self, message: Mapping[str, Any], config: ProviderConfig | None) -> SendResult:
        if config is None:
            return not_configured(PROVIDER.name)
        started = time.perf_counter()
        tls = setting(config, "tls") or "starttls"
        server = SmtpServer(
            host=setting(config, "host"),
            port=int(config.value("port") or 587),
            username=setting(config, "username") or None,
            password=setting(config, "password") or None,
            use_tls=tls == "tls",
            # starttls: required; none: never (a local relay); tls: TLS from the start
            start_tls=tls == "starttls",
        )
        try:
            await self._client.send(server, build_mime(message, config))
        except Exception as exc:
            failed = failure(exc)
            if failed is None:
                raise
            error, final = failed
            return SendResult(status_code=None, duration_ms=_ms(started), error=error, final=final)
        # 250: the server took the message (an SMTP reply, in the 2xx range like HTTP's)
        return SendResult(status_code=250, duration_ms=_ms(started))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
