"""Email out through an SMTP server (aiosmtplib): alerts now, the email channel later.

``SENDOUT_SMTP_URL`` is ``smtp://[user[:password]@]host[:port][?from=addr]``, or ``smtps://``
for TLS from the first byte; plain ``smtp://`` upgrades with STARTTLS when the server offers
it. Every failure becomes a ``MailResult``. The server is the operator's own configuration:
it is connected to through the guard's connect, trusted wherever it is (``SmtpClient``).
"""

from __future__ import annotations

from email.message import EmailMessage as MimeMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sendout.adapters.channels.email.smtp_client import TIMEOUT, SmtpClient, SmtpServer, failure
from sendout.domain.deliveries import EmailMessage, MailResult

DEFAULT_FROM = "sendout@localhost"


class SmtpMailer:
    def __init__(self, url: str, *, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(url)
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._from = parse_qs(parts.query).get("from", [DEFAULT_FROM])[0]
        self._client = SmtpClient(None, timeout=timeout)

    async def send(self, message: EmailMessage) -> MailResult:
        mime = MimeMessage()
        mime["From"] = message.sender or self._from
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime.set_content(message.text)
        if message.html is not None:
            mime.add_alternative(message.html, subtype="html")
        server = SmtpServer(
            host=self._host,
            port=self._port,
            username=self._user,
            password=self._password,
            use_tls=self._tls,
            start_tls=None if not self._tls else False,
        )
        try:
            await self._client.send(server, mime)
        except Exception as exc:
            failed = failure(exc)
            if failed is None:
                raise
            error, final = failed
            return MailResult(sent=False, error=error, final=final)
        return MailResult(sent=True)
