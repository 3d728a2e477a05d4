"""The authority: a root CA, the issuing CA under it and the issuing CA's signing key.

The root signs only the issuing CA (and is best kept offline afterwards: its key is not
part of :class:`CertificateAuthority`). The issuing CA signs device certificates, the
CRL and, unless a delegated responder is configured, OCSP responses.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from softtoken._clock import utc
from softtoken.ca._profile import ca_certificate_builder, ocsp_responder_builder, random_serial
from softtoken.ca.keys import PemSigner, SigningKey
from softtoken.errors import ConfigurationError

__all__ = [
    "CertificateAuthority",
    "OcspResponder",
    "create_authority",
    "create_authority_files",
    "load_certificate_pem",
]

ROOT_VALIDITY = timedelta(days=20 * 365)
ISSUING_VALIDITY = timedelta(days=10 * 365)


def _spki(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def load_certificate_pem(data: bytes, *, what: str) -> x509.Certificate:
    """One PEM certificate, or ConfigurationError ``ca_invalid_certificate``."""
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ConfigurationError("ca_invalid_certificate", detail=f"{what}: not PEM") from None


@attrs.frozen(kw_only=True)
class OcspResponder:
    """A delegated OCSP responder: its certificate (issued by the issuing CA) and key."""

    certificate: x509.Certificate
    key: SigningKey

    def __attrs_post_init__(self) -> None:
        if _spki(self.certificate.public_key()) != _spki(self.key.public_key):
            raise ConfigurationError("ca_key_mismatch", detail="OCSP responder")


@attrs.frozen(kw_only=True)
class CertificateAuthority:
    """The root and issuing CA certificates, the issuing key, and where the portal
    publishes the CRL and answers OCSP (written into every device certificate).

    Raises:
        ConfigurationError: ``ca_key_mismatch`` when the key is not the issuing CA's,
            ``ca_invalid_certificate`` when the issuing CA is not a CA signed by the root.
    """

    root: x509.Certificate
    issuing: x509.Certificate
    key: SigningKey = attrs.field(repr=False)
    crl_url: str | None = None
    ocsp_url: str | None = None
    ocsp_responder: OcspResponder | None = None

    def __attrs_post_init__(self) -> None:
        if _spki(self.issuing.public_key()) != _spki(self.key.public_key):
            raise ConfigurationError("ca_key_mismatch", detail="issuing CA")
        if not (_is_ca(self.root) and _is_ca(self.issuing)):
            raise ConfigurationError("ca_invalid_certificate", detail="basicConstraints CA:FALSE")
        try:
            self.issuing.verify_directly_issued_by(self.root)
        except Exception as error:  # noqa: BLE001 - wrong issuer, bad signature, bad key
            raise ConfigurationError(
                "ca_invalid_certificate", detail=f"issuing CA vs root: {type(error).__name__}"
            ) from None
        if self.ocsp_responder is not None:
            try:
                self.ocsp_responder.certificate.verify_directly_issued_by(self.issuing)
            except Exception as error:  # noqa: BLE001 - any failure means "not ours"
                raise ConfigurationError(
                    "ca_invalid_certificate", detail=f"OCSP responder: {type(error).__name__}"
                ) from None

    def chain_pem(self) -> str:
        """The issuing CA then the root, in PEM: what a portal publishes for clients."""
        return "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii")
            for c in (self.issuing, self.root)
        )

    def issue_ocsp_responder(
        self,
        key: SigningKey,
        *,
        now: datetime,
        validity: timedelta = timedelta(days=7),
    ) -> OcspResponder:
        """Certify ``key`` as a delegated OCSP responder; use the result in
        ``attrs.evolve(authority, ocsp_responder=...)``."""
        cert = self.key.sign_certificate(
            ocsp_responder_builder(
                public_key=key.public_key,
                issuer=self.issuing,
                serial=random_serial(159),
                now=now,
                validity=validity,
            )
        )
        return OcspResponder(certificate=cert, key=key)


def _name(common_name: str, organization: str | None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def create_authority(
    *,
    name: str,
    now: datetime,
    root_key: SigningKey,
    issuing_key: SigningKey,
    organization: str | None = None,
    crl_url: str | None = None,
    ocsp_url: str | None = None,
    root_validity: timedelta = ROOT_VALIDITY,
    issuing_validity: timedelta = ISSUING_VALIDITY,
) -> CertificateAuthority:
    """Make a new root CA (``<name> Root CA``) and an issuing CA (``<name> Issuing CA``).

    The root key signs twice (itself and the issuing CA) and is not kept by the result:
    store it offline (``PemSigner.save``) or in its own HSM slot.
    """
    now = utc(now)
    root = root_key.sign_certificate(
        ca_certificate_builder(
            subject=_name(f"{name} Root CA", organization),
            public_key=root_key.public_key,
            issuer=None,
            serial=random_serial(159),
            now=now,
            validity=root_validity,
            path_length=1,
        )
    )
    issuing = root_key.sign_certificate(
        ca_certificate_builder(
            subject=_name(f"{name} Issuing CA", organization),
            public_key=issuing_key.public_key,
            issuer=root,
            serial=random_serial(159),
            now=now,
            validity=issuing_validity,
            path_length=0,
        )
    )
    return CertificateAuthority(
        root=root, issuing=issuing, key=issuing_key, crl_url=crl_url, ocsp_url=ocsp_url
    )


def create_authority_files(
    directory: str | os.PathLike[str],
    *,
    name: str,
    passphrase: bytes,
    now: datetime,
    organization: str | None = None,
    key_type: str = "ec-p256",
) -> dict[str, Path]:
    """Set up a CA on disk: ``root.pem``, ``root-key.pem``, ``issuing.pem``,
    ``issuing-key.pem`` (keys encrypted under ``passphrase``, mode 0600). Existing files
    are never overwritten. Returns the paths by name; move ``root-key.pem`` offline."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {n: folder / f"{n}.pem" for n in ("root", "root-key", "issuing", "issuing-key")}
    clash = [str(p) for p in paths.values() if p.exists()]
    if clash:
        raise ConfigurationError(detail=f"refusing to overwrite {', '.join(clash)}")
    root_key, issuing_key = PemSigner.generate(key_type), PemSigner.generate(key_type)
    authority = create_authority(
        name=name, now=now, root_key=root_key, issuing_key=issuing_key, organization=organization
    )
    root_key.save(paths["root-key"], passphrase)
    issuing_key.save(paths["issuing-key"], passphrase)
    paths["root"].write_bytes(authority.root.public_bytes(serialization.Encoding.PEM))
    paths["issuing"].write_bytes(authority.issuing.public_bytes(serialization.Encoding.PEM))
    return paths
