"""The certificate record (one per certificate ever issued) and its repository, plus the
pure transitions of its life: issued -> superseded (renewed) or revoked.

::

    status        stored?  how it comes
    active        yes      issued or renewed
    superseded    yes      a renewal replaced it (superseded_by names the new serial)
    revoked       yes      revoked with a reason (revoked_at, revocation_reason)
    expired       no       active and now >= not_after (see ``status_at``)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from softtoken._clock import utc
from softtoken.ca._revocation import CrlEntry, RevocationReason
from softtoken.errors import ConcurrencyError, Conflict, StateError
from softtoken.ports import Predicate, Row
from softtoken.storage._repositories import FlatTable, VersionedTable, row_optional_datetime

__all__ = [
    "CertificateRecord",
    "CertificateStatus",
    "CertificateTable",
    "CrlCounterTable",
    "mark_revoked",
    "mark_superseded",
    "release_hold",
    "serial_hex",
]


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    EXPIRED = "expired"  # derived, never stored


def serial_hex(serial: int) -> str:
    """The form serials take in storage and in the API: lower-case hex, no prefix."""
    return format(serial, "x")


@attrs.frozen(kw_only=True)
class CertificateRecord:
    """A device certificate and its life. Times are UTC; ``der`` is the certificate."""

    serial: str
    user_id: str
    device_id: str | None = None
    key_fingerprint: str
    key_type: str
    not_before: datetime = attrs.field(converter=utc)
    not_after: datetime = attrs.field(converter=utc)
    status: CertificateStatus = CertificateStatus.ACTIVE
    issued_at: datetime = attrs.field(converter=utc)
    renewed_from: str | None = None
    superseded_by: str | None = None
    superseded_at: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: RevocationReason | None = None
    der: bytes = attrs.field(repr=False)
    version: int = 0

    def status_at(self, now: datetime) -> CertificateStatus:
        """The stored status, or ``expired`` for an active certificate past ``not_after``."""
        if self.status is CertificateStatus.ACTIVE and utc(now) > self.not_after:
            return CertificateStatus.EXPIRED
        return self.status

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def serial_number(self) -> int:
        return int(self.serial, 16)

    @property
    def on_hold(self) -> bool:
        """Suspended (certificateHold): the one revocation that may be lifted."""
        return (
            self.status is CertificateStatus.REVOKED
            and self.revocation_reason is RevocationReason.SUSPENDED
        )

    @property
    def revocable_for_good(self) -> bool:
        """Active or on hold: a final revocation applies to it (RFC 5280 5.3.1 lets a
        hold become any reason). Superseded and finally revoked ones are left alone."""
        return self.status is CertificateStatus.ACTIVE or self.on_hold

    @property
    def on_crl(self) -> bool:
        """Revoked, or superseded (published as revoked with reason ``superseded``)."""
        return self.status in {CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED}

    @property
    def crl_entry(self) -> CrlEntry | None:
        if self.status is CertificateStatus.REVOKED:
            assert self.revoked_at is not None  # noqa: S101 - set with the status
            assert self.revocation_reason is not None  # noqa: S101
            return CrlEntry(
                serial=self.serial_number, revoked_at=self.revoked_at, reason=self.revocation_reason
            )
        if self.status is CertificateStatus.SUPERSEDED:
            assert self.superseded_at is not None  # noqa: S101 - set with the status
            return CrlEntry(
                serial=self.serial_number,
                revoked_at=self.superseded_at,
                reason=RevocationReason.RENEWED,
            )
        return None


# --- transitions (pure) ------------------------------------------------------------------


def mark_revoked(
    record: CertificateRecord, reason: RevocationReason, *, now: datetime
) -> CertificateRecord:
    """Revoke. A certificate on hold may be revoked for good (RFC 5280 5.3.1); a
    superseded one may be revoked too (a lost phone after a renewal is still a compromise).

    Raises:
        StateError: ``certificate_already_revoked``.
    """
    if record.status is CertificateStatus.REVOKED and (
        record.revocation_reason is not RevocationReason.SUSPENDED
        or reason is RevocationReason.SUSPENDED
    ):
        raise StateError("certificate_already_revoked")
    return attrs.evolve(
        record, status=CertificateStatus.REVOKED, revoked_at=utc(now), revocation_reason=reason
    )


def release_hold(record: CertificateRecord) -> CertificateRecord:
    """Lift a temporary suspension: the certificate is active again and leaves the CRL.
    A certificate a renewal replaced never comes back: it was superseded before or while
    it was held, and lifting the hold would revive a key the holder moved away from.

    Raises:
        StateError: ``certificate_not_on_hold``, ``certificate_hold_final``.
    """
    if not record.on_hold:
        raise StateError("certificate_not_on_hold")
    if record.superseded_by is not None:
        raise StateError("certificate_hold_final", detail=f"superseded by {record.superseded_by}")
    return attrs.evolve(
        record, status=CertificateStatus.ACTIVE, revoked_at=None, revocation_reason=None
    )


def mark_superseded(record: CertificateRecord, *, by: str, now: datetime) -> CertificateRecord:
    """Replace by a renewal. Only an active (or expired) certificate is renewed.

    Raises:
        StateError: ``certificate_not_renewable``.
    """
    if record.status is not CertificateStatus.ACTIVE:
        raise StateError("certificate_not_renewable", detail=f"status {record.status.value}")
    return attrs.evolve(
        record, status=CertificateStatus.SUPERSEDED, superseded_by=by, superseded_at=utc(now)
    )


# --- storage -----------------------------------------------------------------------------


_maybe = row_optional_datetime


class CertificateTable(VersionedTable[CertificateRecord]):
    table = "st_certificates"
    key_columns = ("serial",)
    not_found_code = "certificate_not_found"
    exists_code = "record_exists"

    def to_row(self, record: CertificateRecord) -> Row:
        return {
            "serial": record.serial,
            "user_id": record.user_id,
            "device_id": record.device_id,
            "key_fingerprint": record.key_fingerprint,
            "key_type": record.key_type,
            "not_before": record.not_before,
            "not_after": record.not_after,
            "status": record.status.value,
            "issued_at": record.issued_at,
            "renewed_from": record.renewed_from,
            "superseded_by": record.superseded_by,
            "superseded_at": record.superseded_at,
            "revoked_at": record.revoked_at,
            "revocation_reason": record.revocation_reason.value
            if record.revocation_reason
            else None,
            "der": record.der,
            "version": record.version,
        }

    def from_row(self, row: Row) -> CertificateRecord:
        reason = row["revocation_reason"]
        return CertificateRecord(
            serial=str(row["serial"]),
            user_id=str(row["user_id"]),
            device_id=None if row["device_id"] is None else str(row["device_id"]),
            key_fingerprint=str(row["key_fingerprint"]),
            key_type=str(row["key_type"]),
            not_before=row["not_before"],  # type: ignore[arg-type]
            not_after=row["not_after"],  # type: ignore[arg-type]
            status=CertificateStatus(str(row["status"])),
            issued_at=row["issued_at"],  # type: ignore[arg-type]
            renewed_from=None if row["renewed_from"] is None else str(row["renewed_from"]),
            superseded_by=None if row["superseded_by"] is None else str(row["superseded_by"]),
            superseded_at=_maybe(row["superseded_at"]),
            revoked_at=_maybe(row["revoked_at"]),
            revocation_reason=None if reason is None else RevocationReason(str(reason)),
            der=bytes(row["der"]),  # type: ignore[call-overload]
            version=int(row["version"]),  # type: ignore[call-overload]
        )

    def get(self, serial: str) -> CertificateRecord:
        return self.get_by_key(serial)

    def find(self, serial: str) -> CertificateRecord | None:
        return self.find_by_key(serial)

    def for_user(self, user_id: str) -> list[CertificateRecord]:
        return self.find_where([("user_id", "=", user_id)], order_by=("issued_at", "serial"))

    def for_device(self, device_id: str) -> list[CertificateRecord]:
        return self.find_where([("device_id", "=", device_id)], order_by=("issued_at", "serial"))

    def with_key(self, fingerprint: str) -> list[CertificateRecord]:
        return self.find_where([("key_fingerprint", "=", fingerprint)], order_by=("serial",))

    def check_key_free(self, fingerprint: str, *, user_id: str, now: datetime) -> None:
        """Refuse a key another user holds in a live certificate (``certificate_key_in_use``),
        or one ever revoked as keyCompromise, a lost phone (``certificate_key_compromised``):
        an app may activate again with its own key, since the device ID is the key's."""
        # One read answers both rules: a key has a handful of certificates at most.
        held = self.with_key(fingerprint)
        if any(r.status is CertificateStatus.ACTIVE and r.user_id != user_id
               and r.not_after >= now for r in held):  # fmt: skip
            raise Conflict("certificate_key_in_use")
        if any(r.revocation_reason is RevocationReason.LOST_PHONE for r in held):
            raise Conflict("certificate_key_compromised")

    def crl_entries(self, *, now: datetime) -> list[CrlEntry]:
        """Revoked and superseded certificates not yet expired (RFC 5280 3.3 lets a CA drop
        an entry once the certificate expires). Read straight from rows: no record is
        built, so a CRL of 100,000 entries stays cheap."""
        where: list[Predicate] = [
            ("status", "in", [CertificateStatus.REVOKED.value, CertificateStatus.SUPERSEDED.value]),
            ("not_after", ">", utc(now)),
        ]
        revoked, reasons = CertificateStatus.REVOKED.value, _REASONS
        entries = []
        # A CRL's entries need no order, so none is asked of the store.
        for row in self._tx.select(self.table, where):
            if row["status"] == revoked:
                when, reason = row["revoked_at"], reasons[str(row["revocation_reason"])]
            else:
                when, reason = row["superseded_at"], RevocationReason.RENEWED
            entries.append(
                CrlEntry(
                    serial=int(str(row["serial"]), 16),
                    revoked_at=when,  # type: ignore[arg-type]
                    reason=reason,
                )
            )
        return entries


_REASONS = {reason.value: reason for reason in RevocationReason}


@attrs.frozen(kw_only=True)
class CrlCounter:
    """The last CRL number issued by one issuing CA (keyed by its subject key ID)."""

    issuer: str
    number: int
    version: int = 0


class CrlCounterTable(FlatTable[CrlCounter]):
    table = "st_crl_numbers"
    key_columns = ("issuer",)
    record_type = CrlCounter

    def advance(self, issuer: str, *, floor: int) -> int:
        """The next CRL number: one more than the last, and at least ``floor`` (the
        clock-based number older versions published, so an upgrade never goes back).
        Two transactions advancing at once: one update matches, the other raises
        ``ConcurrencyError`` (an insert race too) and its retry reads the new number."""
        current = self.find_by_key(issuer)
        if current is None:
            try:
                self.add(CrlCounter(issuer=issuer, number=floor))
            except Conflict:
                raise ConcurrencyError(detail=f"{self.table} {issuer} made twice") from None
            return floor
        number = max(current.number + 1, floor)
        self.update(attrs.evolve(current, number=number))
        return number
