"""The CA part of a deployment's configuration: where its certificates and key are, and
the URLs it publishes. ``Config(ca=CaConfig(...))`` or ``SOFTTOKEN_CA_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs

from softtoken.ca._authority import CertificateAuthority, OcspResponder, load_certificate_pem
from softtoken.ca.keys import PemSigner, SigningKey
from softtoken.errors import ConfigurationError

__all__ = ["CaConfig"]

KeyBackend = Literal["pem", "pkcs11"]


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigurationError(
            "ca_invalid_certificate", detail=f"{what} {path}: {error.strerror}"
        ) from None


def _bytes(value: str | None) -> bytes | None:
    return None if value is None else value.encode()


@attrs.frozen(kw_only=True)
class CaConfig:
    """Where the CA lives.

    Args:
        root_certificate: path of the root CA certificate (PEM).
        issuing_certificate: path of the issuing CA certificate (PEM).
        key_backend: ``pem`` (an encrypted PEM file, default) or ``pkcs11`` (an HSM).
        key_file, key_passphrase: the issuing key for ``pem``.
        pkcs11_library, pkcs11_token_label, pkcs11_pin, pkcs11_key_label: for ``pkcs11``.
        crl_url: where the portal serves the CRL (written into every certificate).
        ocsp_url: where the portal answers OCSP (written into every certificate).
        ocsp_responder_certificate, ocsp_responder_key_file: a delegated OCSP responder
            (optional; its key file is encrypted under ``key_passphrase``).
    """

    root_certificate: str
    issuing_certificate: str
    key_backend: KeyBackend = "pem"
    key_file: str | None = None
    key_passphrase: bytes | None = attrs.field(default=None, repr=False)
    pkcs11_library: str | None = None
    pkcs11_token_label: str | None = None
    pkcs11_pin: str | None = attrs.field(default=None, repr=False)
    pkcs11_key_label: str | None = None
    crl_url: str | None = None
    ocsp_url: str | None = None
    ocsp_responder_certificate: str | None = None
    ocsp_responder_key_file: str | None = None

    def signing_key(self) -> SigningKey:
        if self.key_backend == "pem":
            if not self.key_file:
                raise ConfigurationError("ca_key_unavailable", detail="key_file is not set")
            return PemSigner.from_file(self.key_file, passphrase=self.key_passphrase)
        if self.key_backend == "pkcs11":
            fields = (self.pkcs11_library, self.pkcs11_token_label, self.pkcs11_pin,
                      self.pkcs11_key_label)  # fmt: skip
            if not all(fields):
                raise ConfigurationError(
                    "ca_key_unavailable", detail="pkcs11 needs library, token label, pin, key label"
                )
            from softtoken.ca.keys._pkcs11 import Pkcs11Signer  # noqa: PLC0415 - optional backend

            return Pkcs11Signer(
                library=str(self.pkcs11_library),
                token_label=str(self.pkcs11_token_label),
                pin=str(self.pkcs11_pin),
                key_label=str(self.pkcs11_key_label),
            )
        raise ConfigurationError("ca_key_unavailable", detail=f"backend {self.key_backend!r}")

    def load(self) -> CertificateAuthority:
        """Read the certificates, open the key, and check that they belong together.

        Raises:
            ConfigurationError: ``ca_invalid_certificate``, ``ca_key_unavailable``,
                ``ca_key_mismatch``.
        """
        responder = None
        if self.ocsp_responder_certificate and self.ocsp_responder_key_file:
            responder = OcspResponder(
                certificate=load_certificate_pem(
                    _read(self.ocsp_responder_certificate, "OCSP responder"),
                    what="OCSP responder",
                ),
                key=PemSigner.from_file(
                    self.ocsp_responder_key_file, passphrase=self.key_passphrase
                ),
            )
        return CertificateAuthority(
            root=load_certificate_pem(_read(self.root_certificate, "root"), what="root"),
            issuing=load_certificate_pem(
                _read(self.issuing_certificate, "issuing CA"), what="issuing CA"
            ),
            key=self.signing_key(),
            crl_url=self.crl_url,
            ocsp_url=self.ocsp_url,
            ocsp_responder=responder,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CaConfig | None:
        """``SOFTTOKEN_CA_ROOT_CERT``, ``_ISSUING_CERT``, ``_KEY_BACKEND``, ``_KEY_FILE``,
        ``_KEY_PASSPHRASE``, ``_PKCS11_LIBRARY``, ``_PKCS11_TOKEN``, ``_PKCS11_PIN``,
        ``_PKCS11_KEY_LABEL``, ``_CRL_URL``, ``_OCSP_URL``, ``_OCSP_CERT``,
        ``_OCSP_KEY_FILE`` (all prefixed ``SOFTTOKEN_CA_``). None when no CA is set."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(f"SOFTTOKEN_CA_{name}") or None

        root, issuing = get("ROOT_CERT"), get("ISSUING_CERT")
        if not root or not issuing:
            return None
        backend = get("KEY_BACKEND") or "pem"
        if backend not in {"pem", "pkcs11"}:
            raise ConfigurationError(detail="SOFTTOKEN_CA_KEY_BACKEND: pem or pkcs11")
        return cls(
            root_certificate=root,
            issuing_certificate=issuing,
            key_backend=backend,  # type: ignore[arg-type]
            key_file=get("KEY_FILE"),
            key_passphrase=_bytes(get("KEY_PASSPHRASE")),
            pkcs11_library=get("PKCS11_LIBRARY"),
            pkcs11_token_label=get("PKCS11_TOKEN"),
            pkcs11_pin=get("PKCS11_PIN"),
            pkcs11_key_label=get("PKCS11_KEY_LABEL"),
            crl_url=get("CRL_URL"),
            ocsp_url=get("OCSP_URL"),
            ocsp_responder_certificate=get("OCSP_CERT"),
            ocsp_responder_key_file=get("OCSP_KEY_FILE"),
        )
