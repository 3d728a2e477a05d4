"""The CA's signing port, and the backend that keeps the key in an encrypted PEM file.

Everything the CA signs (certificates, CRLs, OCSP responses) goes through a
:class:`SigningKey`. cryptography's builders sign only with a key object they hold, so a
key that lives elsewhere (an HSM) uses :class:`ExternalSigner`: the builder signs with a
throwaway key of the same algorithm, which gives the exact to-be-signed bytes; the real
key signs those bytes; and the signature is put in place of the throwaway one. The
signature algorithm identifier is inside the signed bytes, so it must (and does) match.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import (
    Certificate,
    CertificateBuilder,
    CertificateRevocationList,
    CertificateRevocationListBuilder,
    Name,
    NameAttribute,
    SubjectKeyIdentifier,
    load_der_x509_certificate,
    load_der_x509_crl,
    ocsp,
)
from cryptography.x509.oid import NameOID

from softtoken.ca import _der
from softtoken.errors import ConfigurationError

__all__ = [
    "CA_KEY_TYPES",
    "CaPublicKey",
    "ExternalSigner",
    "PemSigner",
    "SigningKey",
    "ca_key_type",
]

CaPublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
CaPrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

#: Keys a CA may sign with: those every verifier (RFC 5280 profiles, the web PKI rules of
#: cryptography's verifier, OpenSSL) accepts. RSA below 3072 bits is refused (ASVS 11.2.3).
CA_KEY_TYPES = ("ec-p256", "ec-p384", "rsa-3072", "rsa-4096")
_RSA_MIN_BITS = 3072


def ca_key_type(public_key: object) -> str:
    """``ec-p256``, ``ec-p384`` or ``rsa-<bits>``; ConfigurationError for anything else."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        name = {"secp256r1": "ec-p256", "secp384r1": "ec-p384"}.get(public_key.curve.name)
        if name:
            return name
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= _RSA_MIN_BITS:
        return f"rsa-{public_key.key_size}"
    raise ConfigurationError("ca_key_unavailable", detail="CA keys: EC P-256/P-384 or RSA >= 3072")


def _hash_for(public_key: CaPublicKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.key_size > 256:  # noqa: PLR2004
        return hashes.SHA384()
    return hashes.SHA256()


class SigningKey(Protocol):
    """What the CA needs from a key: its public half and three ways to sign."""

    @property
    def public_key(self) -> CaPublicKey: ...

    @property
    def description(self) -> str:
        """Where the key lives, for audit entries (never key material)."""
        ...

    def sign_certificate(self, builder: CertificateBuilder) -> Certificate: ...

    def sign_crl(self, builder: CertificateRevocationListBuilder) -> CertificateRevocationList: ...

    def sign_ocsp(
        self, builder: ocsp.OCSPResponseBuilder, responder: Certificate
    ) -> ocsp.OCSPResponse:
        """Sign ``builder`` (no responder ID yet) as ``responder``, whose key this is."""
        ...


class PemSigner:
    """A private key held in memory, loaded from (and saved to) an encrypted PEM file."""

    def __init__(self, private_key: CaPrivateKey, *, source: str = "memory") -> None:
        self._key = private_key
        self._public = private_key.public_key()
        self._type = ca_key_type(self._public)
        self._hash = _hash_for(self._public)
        self._source = source

    @classmethod
    def generate(cls, key_type: str = "ec-p256") -> PemSigner:
        """A new key: ``ec-p256`` (default), ``ec-p384``, ``rsa-3072`` or ``rsa-4096``."""
        key: CaPrivateKey
        if key_type == "ec-p256":
            key = ec.generate_private_key(ec.SECP256R1())
        elif key_type == "ec-p384":
            key = ec.generate_private_key(ec.SECP384R1())
        elif key_type in {"rsa-3072", "rsa-4096"}:
            key = rsa.generate_private_key(65537, int(key_type[4:]))
        else:
            raise ConfigurationError("ca_key_unavailable", detail=f"key type {key_type!r}")
        return cls(key, source=f"generated:{key_type}")

    @classmethod
    def from_pem(cls, data: bytes, *, passphrase: bytes | None, source: str = "pem") -> PemSigner:
        """Load a PEM private key; ``passphrase`` None only for an unencrypted one.

        Raises:
            ConfigurationError: ``ca_key_unavailable`` (wrong passphrase, not a key, a key
                type a CA may not use).
        """
        try:
            key = serialization.load_pem_private_key(data, password=passphrase)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise ConfigurationError(
                "ca_key_unavailable", detail=f"{source}: unreadable or wrong passphrase"
            ) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise ConfigurationError("ca_key_unavailable", detail=f"{source}: not an EC/RSA key")
        return cls(key, source=source)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, passphrase: bytes | None) -> PemSigner:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise ConfigurationError(
                "ca_key_unavailable", detail=f"{path}: {error.strerror}"
            ) from None
        return cls.from_pem(data, passphrase=passphrase, source=f"pem:{Path(path).name}")

    def to_pem(self, passphrase: bytes) -> bytes:
        """The key as PKCS#8 PEM encrypted under ``passphrase`` (never in clear)."""
        if not passphrase:
            raise ConfigurationError("ca_key_unavailable", detail="a passphrase is required")
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )

    def save(self, path: str | os.PathLike[str], passphrase: bytes) -> None:
        """Write the encrypted key, readable by the owner only."""
        target = Path(path)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(self.to_pem(passphrase))

    @property
    def public_key(self) -> CaPublicKey:
        return self._public

    @property
    def description(self) -> str:
        return f"{self._source}:{self._type}"

    def sign_certificate(self, builder: CertificateBuilder) -> Certificate:
        return builder.sign(self._key, self._hash)

    def sign_crl(self, builder: CertificateRevocationListBuilder) -> CertificateRevocationList:
        return builder.sign(self._key, self._hash)

    def sign_ocsp(
        self, builder: ocsp.OCSPResponseBuilder, responder: Certificate
    ) -> ocsp.OCSPResponse:
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
        return builder.sign(self._key, self._hash)


_stand_ins: dict[str, CaPrivateKey] = {}
_stand_in_lock = threading.Lock()


def _stand_in(public_key: CaPublicKey) -> CaPrivateKey:
    """A throwaway key with the same signature algorithm identifier as ``public_key``
    (ecdsa-with-SHA256/384 or sha256WithRSAEncryption: the curve and size are not in it)."""
    kind = "rsa" if isinstance(public_key, rsa.RSAPublicKey) else "ec"
    with _stand_in_lock:
        if kind not in _stand_ins:
            _stand_ins[kind] = (
                rsa.generate_private_key(65537, 2048)
                if kind == "rsa"
                else ec.generate_private_key(ec.SECP256R1())
            )
        return _stand_ins[kind]


class ExternalSigner(ABC):
    """Base for keys that never leave their device: subclasses give the public key and
    ``sign_bytes`` (an ECDSA signature in DER, or an RSA PKCS#1 v1.5 signature)."""

    @property
    @abstractmethod
    def public_key(self) -> CaPublicKey: ...

    @property
    @abstractmethod
    def description(self) -> str: ...

    @abstractmethod
    def sign_bytes(self, data: bytes, algorithm: hashes.SHA256 | hashes.SHA384) -> bytes:
        """Sign ``data`` (the key hashes it with ``algorithm``)."""

    def _signature(self, tbs: bytes) -> bytes:
        public, algorithm = self.public_key, _hash_for(self.public_key)
        signature = self.sign_bytes(tbs, algorithm)
        try:  # a device that signs wrongly must not produce a certificate
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, tbs, padding.PKCS1v15(), algorithm)
            else:
                public.verify(signature, tbs, ec.ECDSA(algorithm))
        except InvalidSignature:
            raise ConfigurationError(
                "ca_key_unavailable", detail=f"{self.description}: bad signature"
            ) from None
        return signature

    def sign_certificate(self, builder: CertificateBuilder) -> Certificate:
        draft = builder.sign(_stand_in(self.public_key), _hash_for(self.public_key))
        der = draft.public_bytes(serialization.Encoding.DER)
        signed = _der.replace_signature(der, self._signature(draft.tbs_certificate_bytes))
        return load_der_x509_certificate(signed)

    def sign_crl(self, builder: CertificateRevocationListBuilder) -> CertificateRevocationList:
        draft = builder.sign(_stand_in(self.public_key), _hash_for(self.public_key))
        der = draft.public_bytes(serialization.Encoding.DER)
        signed = _der.replace_signature(der, self._signature(draft.tbs_certlist_bytes))
        return load_der_x509_crl(signed)

    def sign_ocsp(
        self, builder: ocsp.OCSPResponseBuilder, responder: Certificate
    ) -> ocsp.OCSPResponse:
        # The builder insists that the signing key matches the responder's certificate,
        # so the draft names a stand-in responder; its key hash (responderID byKey, the
        # SHA-1 of the public key bits) is then swapped for the real one, same length.
        stand_in = _stand_in(self.public_key)
        draft = builder.responder_id(
            ocsp.OCSPResponderEncoding.HASH, _stand_in_certificate(stand_in)
        ).sign(stand_in, _hash_for(self.public_key))
        fake_id, real_id = _key_hash(stand_in.public_key()), _key_hash(responder.public_key())
        der = draft.public_bytes(serialization.Encoding.DER)
        if draft.tbs_response_bytes.count(fake_id) != 1 or der.count(fake_id) != 1:
            raise ConfigurationError("ca_key_unavailable", detail="OCSP responder ID not found")
        tbs = draft.tbs_response_bytes.replace(fake_id, real_id)
        signed = _der.replace_ocsp_signature(der.replace(fake_id, real_id), self._signature(tbs))
        return ocsp.load_der_ocsp_response(signed)


def _key_hash(public_key: object) -> bytes:
    return SubjectKeyIdentifier.from_public_key(public_key).digest  # type: ignore[arg-type]


_stand_in_certificates: dict[int, Certificate] = {}


def _stand_in_certificate(key: CaPrivateKey) -> Certificate:
    """A self-signed certificate for a stand-in key: only its key is ever used."""
    with _stand_in_lock:
        found = _stand_in_certificates.get(id(key))
        if found is None:
            name = Name([NameAttribute(NameOID.COMMON_NAME, "stand-in")])
            moment = datetime(2000, 1, 1, tzinfo=UTC)
            found = (
                CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(1)
                .not_valid_before(moment)
                .not_valid_after(moment + timedelta(days=1))
                .sign(key, hashes.SHA256())
            )
            _stand_in_certificates[id(key)] = found
        return found
