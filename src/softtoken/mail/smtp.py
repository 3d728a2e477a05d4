"""An email sender over SMTP (the standard library's smtplib)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from typing import Literal

import attrs

from softtoken.errors import DeliveryError
from softtoken.mail._message import EmailMessage

__all__ = ["SmtpSender"]


@attrs.frozen(kw_only=True)
class SmtpSender:
    """Sends each message over a new SMTP connection.

    ``security``: ``starttls`` (port 587, the default), ``ssl`` (implicit TLS, port 465)
    or ``none`` (loopback relays and tests only). A refused or failed delivery raises
    :class:`~softtoken.errors.DeliveryError`, and the outbox tries again later.
    """

    host: str
    port: int = 587
    sender: str
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)

    def _mime(self, message: EmailMessage) -> MimeMessage:
        mime = MimeMessage()
        mime["From"] = self.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(localtime=False)
        domain = self.sender.rpartition("@")[2]
        if message.message_id is not None:
            # Stable: derived from the outbox row, so a resend is recognisably the same.
            mime["Message-ID"] = f"<{message.message_id}@{domain or 'localhost'}>"
        else:
            mime["Message-ID"] = make_msgid(domain=domain or None)
        mime["X-Softtoken-Template"] = message.template
        mime.set_content(message.text, charset="utf-8")
        return mime

    def send(self, message: EmailMessage) -> None:
        context = self.ssl_context or ssl.create_default_context()
        try:
            if self.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)
                if self.username is not None:
                    client.login(self.username, self.password or "")
                client.send_message(self._mime(message))
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(detail=f"{type(error).__name__}: {error}"[:300]) from error
