"""The CA service (``soft.ca``): issue, renew, revoke, verify, CRL and OCSP.

Each call that changes something is one unit of work: load, apply a pure transition
(``_records``), store the record and its audit entry in the same commit. Reading calls
(verify, CRL, OCSP) open a unit of work only to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from softtoken.ca._csr import CheckedCsr, DevicePublicKey, check_device_key, parse_csr
from softtoken.ca._profile import device_certificate_builder, random_serial
from softtoken.ca._reading import CaReads, VerifiedCertificate, parse_serial
from softtoken.ca._records import (
    CertificateRecord,
    CertificateStatus,
    CertificateTable,
    mark_revoked,
    mark_superseded,
    release_hold,
    serial_hex,
)
from softtoken.ca._revocation import RevocationReason, parse_reason
from softtoken.errors import Conflict, StateError, ValidationError

if TYPE_CHECKING:
    from datetime import datetime

    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["CaService", "VerifiedCertificate", "parse_serial"]

_DER = serialization.Encoding.DER


def _device_id(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str) and 0 < len(raw) <= 64 and raw.isprintable():  # noqa: PLR2004
        return raw
    raise ValidationError("invalid_value", field="device_id")


class CaService(CaReads):
    """Device certificates for one deployment's issuing CA. See ``docs/ca.md``."""

    def _sign(
        self, *, user_id: str, public_key: DevicePublicKey, now: datetime
    ) -> x509.Certificate:
        authority, policy = self.authority, self._ctx.policy
        builder = device_certificate_builder(
            user_id=user_id,
            public_key=public_key,
            issuer=authority.issuing,
            serial=random_serial(policy.certificate_serial_bits),
            now=now,
            validity=policy.certificate_validity,
            crl_url=authority.crl_url,
            ocsp_url=authority.ocsp_url,
        )
        return authority.key.sign_certificate(builder)

    def _record(
        self,
        cert: x509.Certificate,
        *,
        user_id: str,
        key_type: str,
        fingerprint: str,
        device_id: str | None,
        now: datetime,
        renewed_from: str | None = None,
    ) -> CertificateRecord:
        return CertificateRecord(
            serial=serial_hex(cert.serial_number),
            user_id=user_id,
            device_id=device_id,
            key_fingerprint=fingerprint,
            key_type=key_type,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            issued_at=now,
            renewed_from=renewed_from,
            der=cert.public_bytes(_DER),
        )

    def issue(
        self, *, user_id: object, csr: object, device_id: object = None, actor: str = "system"
    ) -> CertificateRecord:
        """Issue a device certificate for the key in ``csr`` (PEM or DER).

        Raises:
            ValidationError: field ``csr`` (``csr_malformed``, ``csr_too_large``,
                ``csr_bad_signature``, ``csr_key_not_allowed``,
                ``csr_extensions_not_allowed``), ``user_id``, ``device_id``.
            Conflict: ``certificate_key_in_use``, ``certificate_key_compromised``.
            ConfigurationError: ``ca_not_configured``, ``ca_key_unavailable``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        device = _device_id(device_id)
        checked = parse_csr(csr, policy=ctx.policy)
        # Signing is CPU work that decides nothing the register does: done before the
        # transaction (so is the authority's check), which then only checks the key is
        # free and records the result.
        now = ctx.clock.now()
        cert = self._sign(user_id=uid.value, public_key=checked.public_key, now=now)

        def work(uow: StorageUnitOfWork) -> CertificateRecord:
            return self._record_issued(
                uow, cert, user_id=uid.value, checked=checked, device_id=device, actor=actor,
                now=now,
            )  # fmt: skip

        return ctx.transact(work)

    def issue_in(
        self,
        uow: StorageUnitOfWork,
        *,
        user_id: str,
        checked: CheckedCsr,
        device_id: str | None,
        actor: str,
    ) -> CertificateRecord:
        """:meth:`issue` inside the caller's unit of work (activation issues the
        certificate in the same transaction that binds the device)."""
        now = self._ctx.clock.now()
        cert = self._sign(user_id=user_id, public_key=checked.public_key, now=now)
        return self._record_issued(
            uow, cert, user_id=user_id, checked=checked, device_id=device_id, actor=actor,
            now=now,
        )  # fmt: skip

    def _record_issued(
        self,
        uow: StorageUnitOfWork,
        cert: x509.Certificate,
        *,
        user_id: str,
        checked: CheckedCsr,
        device_id: str | None,
        actor: str,
        now: datetime,
    ) -> CertificateRecord:
        ctx = self._ctx
        table = uow.repository(CertificateTable)
        table.check_key_free(checked.key_fingerprint, user_id=user_id, now=now)
        record = table.add(
            self._record(
                cert,
                user_id=user_id,
                key_type=checked.key_type,
                fingerprint=checked.key_fingerprint,
                device_id=device_id,
                now=now,
            )
        )
        ctx.audit(
            uow,
            actor=actor,
            action="certificate.issue",
            subject=user_id,
            serial=record.serial,
            key_type=record.key_type,
            key_id=record.key_fingerprint[:16],
            device=device_id,
            not_after=record.not_after.isoformat(),
        )
        return record

    def renew(
        self, serial: object, *, user_id: object, csr: object = None, actor: str | None = None
    ) -> CertificateRecord:
        """A new certificate replacing ``serial`` (which becomes ``superseded``), for the
        same key (``csr`` None) or the key of ``csr``. With ``policy.renewal_new_key`` a
        CSR with a new key is required. Expired certificates may be renewed (manual
        chapter 6: login forces renewal once expired); revoked ones may not.

        Raises:
            NotFound: ``certificate_not_found``.
            Conflict: ``certificate_not_owned``, ``certificate_key_in_use``.
            StateError: ``certificate_not_renewable`` (revoked or already superseded).
            ValidationError: the CSR's codes; ``required`` / ``certificate_same_key``
                on ``csr`` when the policy wants a new key.
        """
        ctx, policy = self._ctx, self._ctx.policy
        uid = ctx.user_id(user_id)
        key = parse_serial(serial)
        checked: CheckedCsr | None = None if csr is None else parse_csr(csr, policy=policy)
        if checked is None and policy.renewal_new_key:
            raise ValidationError("required", field="csr", detail="renewal needs a new key")
        self.authority  # noqa: B018 - fail before opening a transaction

        def work(uow: StorageUnitOfWork) -> CertificateRecord:
            return self.renew_in(uow, key, user_id=uid.value, checked=checked, actor=actor)

        return ctx.transact(work)

    def renew_in(
        self,
        uow: StorageUnitOfWork,
        serial: str,
        *,
        user_id: str,
        checked: CheckedCsr | None,
        actor: str | None = None,
        supersede: bool = True,
    ) -> CertificateRecord:
        """:meth:`renew` inside the caller's unit of work. With ``supersede=False`` the
        old certificate stays active (``renewed_from`` links the new one) until
        :meth:`supersede_in` is called: the renewal ceremony retires the old certificate
        only once the device used the new one (NIST SP 800-63B-4 draft)."""
        ctx, policy = self._ctx, self._ctx.policy
        table = uow.repository(CertificateTable)
        now = ctx.clock.now()
        old = table.get(serial)
        if old.user_id != user_id:
            raise Conflict("certificate_not_owned")
        if old.status is not CertificateStatus.ACTIVE:
            raise StateError("certificate_not_renewable", detail=f"status {old.status.value}")
        if checked is None:
            if policy.renewal_new_key:
                raise ValidationError("required", field="csr", detail="renewal needs a new key")
            public_key: DevicePublicKey = old.certificate.public_key()  # type: ignore[assignment]
            key_type = check_device_key(public_key, policy)  # the policy may have changed
            fingerprint = old.key_fingerprint
        else:
            if policy.renewal_new_key and checked.key_fingerprint == old.key_fingerprint:
                raise ValidationError("certificate_same_key", field="csr")
            public_key, key_type = checked.public_key, checked.key_type
            fingerprint = checked.key_fingerprint
            table.check_key_free(fingerprint, user_id=user_id, now=now)
        cert = self._sign(user_id=user_id, public_key=public_key, now=now)
        new = self._record(
            cert,
            user_id=user_id,
            key_type=key_type,
            fingerprint=fingerprint,
            device_id=old.device_id,
            now=now,
            renewed_from=old.serial,
        )
        if supersede:
            table.update(mark_superseded(old, by=new.serial, now=now))
        stored = table.add(new)
        ctx.audit(
            uow,
            actor=actor or f"user:{user_id}",
            action="certificate.renew",
            subject=user_id,
            serial=stored.serial,
            renewed_from=old.serial,
            key_id=fingerprint[:16],
            key_type=key_type,
            renewal_mode="same" if fingerprint == old.key_fingerprint else "new",
            not_after=stored.not_after.isoformat(),
        )
        return stored

    def supersede_in(
        self, uow: StorageUnitOfWork, serial: str, *, by: str, actor: str
    ) -> CertificateRecord:
        """Retire ``serial`` in favour of its renewal ``by`` (see :meth:`renew_in`)."""
        table = uow.repository(CertificateTable)
        stored = table.update(mark_superseded(table.get(serial), by=by, now=self._ctx.clock.now()))
        self._ctx.audit(
            uow,
            actor=actor,
            action="certificate.supersede",
            subject=stored.user_id,
            serial=serial,
            superseded_by=by,
        )
        return stored

    # --- revocation ------------------------------------------------------------------------

    def revoke(
        self,
        serial: object,
        *,
        reason: RevocationReason | str,
        actor: str = "system",
        user_id: object = None,
    ) -> CertificateRecord:
        """Revoke ``serial`` for ``reason``; it is on the next CRL and OCSP says revoked.
        With ``user_id`` (a holder revoking their own, manual chapter 5) the certificate
        must be theirs.

        Raises:
            NotFound: ``certificate_not_found``.
            Conflict: ``certificate_not_owned``.
            StateError: ``certificate_already_revoked``.
            ValidationError: ``invalid_value`` on ``reason`` or ``serial``.
        """
        ctx = self._ctx
        why = parse_reason(reason)
        key = parse_serial(serial)
        owner = None if user_id is None else ctx.user_id(user_id).value

        def work(uow: StorageUnitOfWork) -> CertificateRecord:
            return self.revoke_in(uow, key, reason=why, actor=actor, owner=owner)

        return ctx.transact(work)

    def revoke_in(
        self,
        uow: StorageUnitOfWork,
        serial: str,
        *,
        reason: RevocationReason,
        actor: str,
        owner: str | None = None,
    ) -> CertificateRecord:
        """:meth:`revoke` inside the caller's unit of work (self-revocation, a new
        activation and service requests revoke with their other changes)."""
        table = uow.repository(CertificateTable)
        record = table.get(serial)
        if owner is not None and record.user_id != owner:
            raise Conflict("certificate_not_owned")
        stored = table.update(mark_revoked(record, reason, now=self._ctx.clock.now()))
        self._ctx.audit(
            uow,
            actor=actor,
            action="certificate.revoke",
            subject=record.user_id,
            serial=serial,
            reason=reason.value,
            crl_reason=reason.rfc5280_code,
        )
        return stored

    def revoke_for_good_in(
        self,
        uow: StorageUnitOfWork,
        serial: str,
        *,
        reason: RevocationReason,
        actor: str,
    ) -> CertificateRecord | None:
        """A final revocation for ``serial`` if it is active or on hold (a hold becomes
        ``reason``, RFC 5280 5.3.1); None when it is superseded or already revoked for
        good. Every call that ends a soft token revokes through here, so a suspended
        certificate never outlives its binding."""
        record = uow.repository(CertificateTable).get(serial)
        if not record.revocable_for_good:
            return None
        return self.revoke_in(uow, serial, reason=reason, actor=actor)

    def revoke_all(
        self, user_id: object, *, reason: RevocationReason | str, actor: str = "system"
    ) -> list[CertificateRecord]:
        """Revoke every active or held certificate of ``user_id`` (holder resigned, lost
        phone...): a suspended one takes ``reason`` too, so it can never be released.
        Returns those revoked; none is not an error."""
        ctx = self._ctx
        why = parse_reason(reason)
        uid = ctx.user_id(user_id)

        def work(uow: StorageUnitOfWork) -> list[CertificateRecord]:
            done = []
            for record in uow.repository(CertificateTable).for_user(uid.value):
                revoked = self.revoke_for_good_in(uow, record.serial, reason=why, actor=actor)
                if revoked is not None:
                    done.append(revoked)
            return done

        return ctx.transact(work)

    def release_hold(self, serial: object, *, actor: str = "system") -> CertificateRecord:
        """End a temporary suspension (``suspended``, certificateHold): active again.
        Refused once the hold was turned into a final reason (the soft token was revoked
        or ended: every such path revokes held certificates for good) or the certificate
        was superseded by a renewal.

        Raises:
            StateError: ``certificate_not_on_hold``, ``certificate_hold_final``.
        """
        ctx = self._ctx
        key = parse_serial(serial)

        def work(uow: StorageUnitOfWork) -> CertificateRecord:
            table = uow.repository(CertificateTable)
            record = table.get(key)
            stored = table.update(release_hold(record))
            ctx.audit(
                uow,
                actor=actor,
                action="certificate.release_hold",
                subject=record.user_id,
                serial=key,
            )
            return stored

        return ctx.transact(work)
