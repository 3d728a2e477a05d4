"""SmtpSender over STARTTLS and implicit TLS against a real aiosmtpd server whose
certificate the client trusts explicitly, and refuses when it does not."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from softtoken import DeliveryError, SmtpSender
from softtoken.mail import EmailMessage

from ..helpers.smtp import TlsSmtpTestServer, self_signed_tls

Mode = Literal["starttls", "ssl"]
MESSAGE = EmailMessage(
    to="somchai@example.go.th", subject="ทดสอบ / test", text="สวัสดี", template="t"
)


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Mode, TlsSmtpTestServer, str]]:
    cert, key = self_signed_tls(str(tmp_path))
    server = TlsSmtpTestServer(cert, key, implicit=request.param == "ssl")
    server.start()
    mode: Mode = "ssl" if request.param == "ssl" else "starttls"
    yield mode, server, cert
    server.stop()


def test_delivery_over_tls(tls_server: tuple[Mode, TlsSmtpTestServer, str]) -> None:
    mode, server, cert = tls_server
    trusted = ssl.create_default_context(cafile=cert)
    sender = SmtpSender(
        host=server.host,
        port=server.port,
        sender="st@example.go.th",
        security=mode,
        ssl_context=trusted,
        timeout=5,
    )
    sender.send(MESSAGE)
    [received] = server.to("somchai@example.go.th")
    assert server.body(received).strip() == "สวัสดี"


def test_an_untrusted_certificate_is_refused(
    tls_server: tuple[Mode, TlsSmtpTestServer, str],
) -> None:
    mode, server, _ = tls_server
    sender = SmtpSender(
        host=server.host, port=server.port, sender="st@example.go.th", security=mode, timeout=5
    )
    with pytest.raises(DeliveryError):
        sender.send(MESSAGE)
    assert server.messages == []
