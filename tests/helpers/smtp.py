"""A real SMTP server on loopback for tests (aiosmtpd), which can be stopped and started
again on the same port to play an outage."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Collector:
    def __init__(self, delay: float) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.delay = delay

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,  # noqa: ARG002 - aiosmtpd's signature
        session: Session,  # noqa: ARG002
        envelope: Envelope,
    ) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server: the reply comes late
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"


class SmtpTestServer:
    """``delay``: seconds the server waits before accepting each message."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._collector = _Collector(delay)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._collector.lock:
            return list(self._collector.messages)

    def start(self) -> None:
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        text = part.get_content()
        assert isinstance(text, str)
        return text


def self_signed_tls(tmp_dir: str) -> tuple[str, str]:
    """A throwaway certificate and key for 127.0.0.1, as PEM files; returns their paths."""
    import datetime as dt
    import ipaddress
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = Path(tmp_dir) / "smtp-cert.pem"
    key_path = Path(tmp_dir) / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


class TlsSmtpTestServer(SmtpTestServer):
    """The same server with STARTTLS required, or with implicit TLS (``implicit=True``)."""

    def __init__(self, cert: str, key: str, *, implicit: bool) -> None:
        super().__init__()
        self._cert, self._key, self._implicit = cert, key, implicit

    def start(self) -> None:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._cert, self._key)
        if self._implicit:
            self._controller = Controller(
                self._collector, hostname=self.host, port=self.port, ssl_context=context
            )
        else:
            self._controller = Controller(
                self._collector,
                hostname=self.host,
                port=self.port,
                tls_context=context,
                require_starttls=True,
            )
        self._controller.start()
