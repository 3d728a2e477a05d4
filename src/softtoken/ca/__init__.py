"""The certificate authority: device certificates from CSRs, renewal, revocation with
RFC 5280 reasons, CRL and OCSP, with the issuing key in an encrypted PEM file or an HSM
(PKCS#11). A portal reaches it as ``soft.ca``; see ``docs/ca.md``."""

from __future__ import annotations

from softtoken.ca._authority import (
    CertificateAuthority,
    OcspResponder,
    create_authority,
    create_authority_files,
)
from softtoken.ca._config import CaConfig
from softtoken.ca._csr import MAX_CSR_BYTES, CheckedCsr, key_fingerprint, parse_csr
from softtoken.ca._records import CertificateRecord, CertificateStatus, CertificateTable
from softtoken.ca._revocation import (
    SELF_REVOCATION_REASONS,
    RevocationReason,
    build_crl,
)
from softtoken.ca._service import CaService, VerifiedCertificate, parse_serial
from softtoken.ca._verify import ChainVerifier
from softtoken.ca.keys import CA_KEY_TYPES, ExternalSigner, PemSigner, SigningKey

__all__ = [
    "CA_KEY_TYPES",
    "MAX_CSR_BYTES",
    "SELF_REVOCATION_REASONS",
    "CaConfig",
    "CaService",
    "CertificateAuthority",
    "CertificateRecord",
    "CertificateStatus",
    "CertificateTable",
    "ChainVerifier",
    "CheckedCsr",
    "ExternalSigner",
    "OcspResponder",
    "PemSigner",
    "Pkcs11Signer",
    "RevocationReason",
    "SigningKey",
    "VerifiedCertificate",
    "build_crl",
    "create_authority",
    "create_authority_files",
    "key_fingerprint",
    "parse_csr",
    "parse_serial",
]


def __getattr__(name: str) -> object:
    # The PKCS#11 backend imports python-pkcs11 only when it is asked for.
    if name == "Pkcs11Signer":
        from softtoken.ca.keys._pkcs11 import Pkcs11Signer  # noqa: PLC0415

        return Pkcs11Signer
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
