"""Email out through an SMTP server (aiosmtplib): alerts now, the email channel later.

``SENDOUT_SMTP_URL`` is ``smtp://[user[:password]@]host[:port][?from=addr]``, or ``smtps://``
for TLS from the first byte; plain ``smtp://`` upgrades with STARTTLS when the server offers
it. Every failure becomes a ``MailResult``.
"""

from __future__ import annotations

from email.message import EmailMessage as MimeMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from sendout.domain.deliveries import EmailMessage, MailResult

DEFAULT_FROM = "sendout@localhost"
TIMEOUT = 10.0  # seconds for the whole exchange


class SmtpMailer:
    def __init__(self, url: str, *, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(url)
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._from = parse_qs(parts.query).get("from", [DEFAULT_FROM])[0]
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> MailResult:
        mime = MimeMessage()
        mime["From"] = message.sender or self._from
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime.set_content(message.text)
        if message.html is not None:
            mime.add_alternative(message.html, subtype="html")
        try:
            await aiosmtplib.send(
                mime,
                hostname=self._host,
                port=self._port,
                username=self._user,
                password=self._password,
                use_tls=self._tls,
                start_tls=None if not self._tls else False,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return MailResult(sent=False, error=f"recipient refused: {exc}", final=True)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return MailResult(sent=False, error=f"{type(exc).__name__}: {exc}")
        return MailResult(sent=True)
