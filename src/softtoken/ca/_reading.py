"""The reading half of ``soft.ca``: the register, login verification, CRL and OCSP.
:class:`~softtoken.ca._service.CaService` adds the calls that change certificates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from softtoken._context import ServiceContext
from softtoken.accounts import _boundary
from softtoken.ca._authority import CertificateAuthority
from softtoken.ca._ocsp import build_ocsp_response, is_for_issuer, parse_ocsp_request, unsuccessful
from softtoken.ca._records import (
    CertificateRecord,
    CertificateStatus,
    CertificateTable,
    CrlCounterTable,
    serial_hex,
)
from softtoken.ca._revocation import build_crl, crl_number
from softtoken.ca._verify import ChainVerifier, load_device_certificate
from softtoken.errors import AuthenticationError, ConfigurationError, ValidationError
from softtoken.protocol import _jws
from softtoken.storage._unit_of_work import retrying

if TYPE_CHECKING:
    from softtoken.accounts._identifiers import UserId
    from softtoken.ca._revocation import CrlEntry
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["CaReads", "VerifiedCertificate", "parse_serial"]

_DER = serialization.Encoding.DER
#: Tries to take a CRL number when other processes take one at the same moment.
_CRL_NUMBER_ATTEMPTS = 20


@attrs.frozen(kw_only=True)
class VerifiedCertificate:
    """A device certificate good for login at ``checked_at``. ``renewal_due`` is true
    when ``policy.renewal_notice_days`` or fewer remain (manual chapter 6 notice)."""

    record: CertificateRecord
    certificate: x509.Certificate
    checked_at: datetime
    renewal_due: bool

    @property
    def user_id(self) -> str:
        return self.record.user_id

    @property
    def days_left(self) -> int:
        return max(0, (self.record.not_after - self.checked_at).days)


def parse_serial(raw: object) -> str:
    """A serial as stored: from an int, or hex text (``0x`` and ``:`` allowed).

    Raises:
        ValidationError: ``invalid_value`` on field ``serial``.
    """
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return serial_hex(raw)
    if isinstance(raw, str):
        text = raw.strip().lower().removeprefix("0x").replace(":", "")
        if 0 < len(text) <= 40 and all(c in "0123456789abcdef" for c in text):  # noqa: PLR2004
            value = int(text, 16)
            if value:
                return serial_hex(value)
    raise ValidationError("invalid_value", field="serial")


class CaReads:
    """Reading calls of the CA service; holds what both halves share."""

    def __init__(self, context: ServiceContext, authority: CertificateAuthority | None) -> None:
        self._ctx = context
        self._authority = authority
        self._chain = ChainVerifier(authority.issuing) if authority else None

    @property
    def authority(self) -> CertificateAuthority:
        """The configured authority.

        Raises:
            ConfigurationError: ``ca_not_configured``.
        """
        if self._authority is None:
            raise ConfigurationError("ca_not_configured")
        return self._authority

    # --- issuing -------------------------------------------------------------------------

    # --- reading ---------------------------------------------------------------------------

    def get(self, serial: object) -> CertificateRecord:
        key = parse_serial(serial)
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(CertificateTable).get(key)

    def for_user(self, user_id: object) -> list[CertificateRecord]:
        """Every certificate ever issued to ``user_id``, oldest first."""
        uid = self._ctx.user_id(user_id)
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(CertificateTable).for_user(uid.value)

    def verify(self, certificate: object, *, user_id: object = None) -> VerifiedCertificate:
        """Is ``certificate`` (PEM, DER or ``x509.Certificate``) good for a login now?
        It must chain to the issuing CA, be in the register as issued, not revoked or
        superseded, within its validity, and (with ``user_id``) belong to that user.

        Raises:
            ValidationError: ``certificate_malformed``.
            AuthenticationError: ``certificate_untrusted``, ``certificate_unknown``,
                ``certificate_revoked``, ``certificate_superseded``,
                ``certificate_expired``, ``certificate_not_yet_valid``,
                ``certificate_wrong_user``.
        """
        cert = load_device_certificate(certificate)
        uid: UserId | None = None if user_id is None else self._ctx.user_id(user_id)
        self.verify_chain(cert)
        with self._ctx.unit_of_work().reading() as uow:
            return self.verify_in(uow, cert, user_id=uid)

    def verify_chain(self, certificate: x509.Certificate) -> None:
        """Only the signature path to the issuing CA, no storage: a cheap first check.

        Raises:
            AuthenticationError: ``certificate_untrusted``.
            ConfigurationError: ``ca_not_configured``.
        """
        certificate = _boundary.instance(certificate, x509.Certificate, "certificate")
        if self._chain is None:
            raise ConfigurationError("ca_not_configured")
        self._chain.verify_chain(certificate, now=self._ctx.clock.now())

    def read_device_message(
        self, message: object, *, expect_typ: str
    ) -> tuple[_jws.SignedMessage, x509.Certificate]:
        """A device's signed message that carries its chain (an approval, a renewal
        answer), within the policy's size and depth limits, its leaf on the path to this
        CA and the signature by the leaf's key: the CPU work a caller does before any
        transaction. Returns the message and the leaf.

        Raises:
            ValidationError: ``device_message_malformed``.
            AuthenticationError: ``device_signature_invalid``, ``certificate_untrusted``.
        """
        return _jws.read_signed_with_chain(
            message,
            expect_typ=expect_typ,
            trust=self.verify_chain,
            max_bytes=self._ctx.policy.message_max_bytes,
            max_depth=self._ctx.policy.json_max_depth,
        )

    def verify_in(
        self,
        uow: StorageUnitOfWork,
        cert: x509.Certificate,
        *,
        user_id: UserId | None = None,
        chain_checked: bool = False,
    ) -> VerifiedCertificate:
        """:meth:`verify` inside the caller's unit of work, so the register is read in
        the same transaction that acts on the result (a login approval). With
        ``chain_checked`` the caller checked the path to the CA before the transaction
        (:meth:`read_device_message` does), and it is not done again in it."""
        chain = self._chain
        if chain is None:
            raise ConfigurationError("ca_not_configured")
        uid = user_id
        now = self._ctx.clock.now()
        if not chain_checked:
            chain.verify_chain(cert, now=now)
        record = uow.repository(CertificateTable).find(serial_hex(cert.serial_number))
        if record is None or record.der != cert.public_bytes(_DER):
            raise AuthenticationError("certificate_unknown")
        if record.status is CertificateStatus.REVOKED:
            raise AuthenticationError("certificate_revoked")
        if record.status is CertificateStatus.SUPERSEDED:
            raise AuthenticationError("certificate_superseded")
        chain.check_validity(cert, now=now)
        if uid is not None and record.user_id != uid.value:
            raise AuthenticationError("certificate_wrong_user")
        notice = timedelta(days=self._ctx.policy.renewal_notice_days)
        return VerifiedCertificate(
            record=record,
            certificate=cert,
            checked_at=now,
            renewal_due=now >= record.not_after - notice,
        )

    def crl(self) -> x509.CertificateRevocationList:
        """A fresh full CRL (``nextUpdate`` now + ``policy.crl_next_update``) whose CRL
        number is one more than the last one issued (RFC 5280 5.2.3), from storage."""
        authority, now = self.authority, self._ctx.clock.now()
        issuer = authority.issuing.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest.hex()

        def once() -> tuple[list[CrlEntry], int]:
            # The number first, then the entries, in one transaction: taking the number
            # holds the counter row until the commit, so a CRL with a higher number never
            # reads its entries before one with a lower number did (it would miss a
            # revocation the lower one lists).
            with self._ctx.unit_of_work() as uow:
                number = uow.repository(CrlCounterTable).advance(issuer, floor=crl_number(now))
                entries = uow.repository(CertificateTable).crl_entries(now=now)
                uow.commit()
                return entries, number

        # Every CRL takes the same row, so processes making CRLs at once queue on it;
        # a loser retries with the newer number. Signing happens after the commit, so
        # the row is held only for the read (a slow HSM does not hold up the others).
        entries, number = retrying(once, attempts=_CRL_NUMBER_ATTEMPTS)
        return build_crl(
            issuer=authority.issuing,
            key=authority.key,
            entries=entries,
            now=now,
            next_update=self._ctx.policy.crl_next_update,
            number=number,
        )

    def crl_der(self) -> bytes:
        """The CRL as served at ``crl_url`` (``application/pkix-crl``)."""
        return self.crl().public_bytes(_DER)

    def ocsp_response(self, request: bytes) -> bytes:
        """The DER OCSP response for a DER OCSP request (RFC 6960). Never raises on a bad
        request: it answers ``malformedRequest`` or ``unauthorized`` as the RFC says."""
        authority = self.authority
        parsed = parse_ocsp_request(request, max_nonce_bytes=self._ctx.policy.ocsp_nonce_max_bytes)
        if parsed is None:
            return unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(_DER)
        if not is_for_issuer(parsed, authority.issuing):
            return unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(_DER)
        with self._ctx.unit_of_work().reading() as uow:
            record = uow.repository(CertificateTable).find(serial_hex(parsed.serial_number))
        response = build_ocsp_response(
            parsed,
            record,
            authority=authority,
            now=self._ctx.clock.now(),
            next_update=self._ctx.policy.crl_next_update,
        )
        return response.public_bytes(_DER)
