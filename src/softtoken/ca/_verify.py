"""Is this device certificate good for a login? The pure half: parse it, check its time,
and check that it chains to the issuing CA with cryptography's verifier. The service
adds the other half, the register (revoked, superseded, whose).

The issuing CA is the trust anchor here: a certificate from any other CA, even one under
the same root, is refused. Expired and not-yet-valid are told apart before the chain is
built, so each has its own code (NIST SP 800-63B r3 6.3: an expired authenticator never
authenticates, and the error says so).
"""

from __future__ import annotations

import functools
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from softtoken._clock import utc
from softtoken.errors import AuthenticationError, ValidationError

__all__ = ["MAX_CERTIFICATE_BYTES", "ChainVerifier", "load_device_certificate"]

MAX_CERTIFICATE_BYTES = 16 * 1024

# The web PKI rules of cryptography's verifier, except that a device certificate names
# its holder in the subject and needs no subjectAltName (it is not a server).
_EE_POLICY = ExtensionPolicy.webpki_defaults_ee().may_be_present(
    x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
)
_CA_POLICY = ExtensionPolicy.webpki_defaults_ca()


def load_device_certificate(data: object) -> x509.Certificate:
    """A certificate from PEM (str or bytes), DER bytes, or a ``Certificate``.

    Raises:
        ValidationError: ``certificate_malformed`` on field ``certificate``.
    """
    if isinstance(data, x509.Certificate):
        return data
    if isinstance(data, str):
        try:
            data = data.encode("ascii")
        except UnicodeEncodeError:
            raise ValidationError("certificate_malformed", field="certificate") from None
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) > MAX_CERTIFICATE_BYTES:
        raise ValidationError("certificate_malformed", field="certificate")
    raw = bytes(data)
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(raw)
        return x509.load_der_x509_certificate(raw)
    except (ValueError, x509.InvalidVersion) as error:
        raise ValidationError(
            "certificate_malformed", field="certificate", detail=str(error)[:80]
        ) from None


class ChainVerifier:
    """Verifies device certificates against one issuing CA."""

    def __init__(self, issuing: x509.Certificate) -> None:
        self._issuing = issuing
        self._store = Store([issuing])
        # The chain check does not depend on the time (see verify_chain), so a device
        # certificate that chained once chains every time: remember the last few thousand
        # and spare each login the path building. Failures are never remembered.
        self._chained = functools.lru_cache(maxsize=4096)(self._verify_der)

    def verify(self, certificate: x509.Certificate, *, now: datetime) -> None:
        """Both checks: the chain, then the time.

        Raises:
            AuthenticationError: ``certificate_untrusted``, ``certificate_expired``,
                ``certificate_not_yet_valid``.
        """
        self.verify_chain(certificate, now=now)
        self.check_validity(certificate, now=now)

    @staticmethod
    def check_validity(certificate: x509.Certificate, *, now: datetime) -> None:
        """Raises ``certificate_expired`` or ``certificate_not_yet_valid``."""
        now = utc(now)
        if now > certificate.not_valid_after_utc:  # notAfter itself is inside (RFC 5280)
            raise AuthenticationError("certificate_expired")
        if now < certificate.not_valid_before_utc:
            raise AuthenticationError("certificate_not_yet_valid")

    def verify_chain(self, certificate: x509.Certificate, *, now: datetime) -> None:  # noqa: ARG002
        """Raise ``certificate_untrusted`` unless the issuing CA issued ``certificate`` for
        client authentication. The chain is checked at a moment inside the certificate's
        own validity, so an expired certificate of ours is told apart (by
        :meth:`check_validity`) from a foreign one; ``now`` is accepted for symmetry."""
        self._chained(certificate.public_bytes(serialization.Encoding.DER))

    def _verify_der(self, der: bytes) -> None:
        certificate = x509.load_der_x509_certificate(der)
        moment = min(max(certificate.not_valid_before_utc, self._issuing.not_valid_before_utc),
                     certificate.not_valid_after_utc)  # fmt: skip
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(moment)
            .max_chain_depth(1)
            .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
            .build_client_verifier()
        )
        try:
            verifier.verify(certificate, [])
        except VerificationError as error:
            raise AuthenticationError("certificate_untrusted", detail=str(error)[:120]) from None
