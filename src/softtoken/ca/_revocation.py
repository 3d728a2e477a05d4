"""Revocation reasons (the manual's cases mapped to RFC 5280 codes) and the CRL.

The mapping is the table of ``standards.md``: the portal names the case the person or
the officer chose; the CRL and OCSP carry the RFC 5280 ``CRLReason`` for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import attrs
from cryptography import x509

from softtoken._clock import utc
from softtoken.ca.keys import SigningKey
from softtoken.errors import ValidationError

__all__ = [
    "SELF_REVOCATION_REASONS",
    "CrlEntry",
    "RevocationReason",
    "build_crl",
    "crl_number",
    "parse_reason",
]

F = x509.ReasonFlags


class RevocationReason(StrEnum):
    """Why a certificate stopped being valid, in the manual's words."""

    OWN_DATA_CHANGED = "own_data_changed"  # chapter 5 reason 1 (name changed)
    HOLDER_TRANSFERRED = "holder_transferred"  # chapter 5 reason 2, chapter 7
    HOLDER_RESIGNED = "holder_resigned"  # chapter 5 reason 2, chapter 7
    EMAIL_CHANGED = "email_changed"  # chapter 5 reason 3
    NEW_PHONE = "new_phone"  # chapter 5 reason 4, chapter 7
    LOST_PHONE = "lost_phone"  # chapter 7; NIST r3 6.2: revoke at once
    FORGOT_PIN = "forgot_pin"  # chapter 7: forgot the PIN / app locked
    APP_DELETED = "app_deleted"  # chapter 7: the app or its certificate deleted
    PRIVILEGE_WITHDRAWN = "privilege_withdrawn"  # an officer withdraws access
    SUSPENDED = "suspended"  # temporary suspension (may be lifted)
    RENEWED = "renewed"  # replaced by a renewed certificate (chapter 6)

    @property
    def crl_reason(self) -> x509.ReasonFlags:
        """The RFC 5280 reason (standards.md, "RFC 5280 reason codes")."""
        return _RFC5280[self]

    @property
    def rfc5280_code(self) -> int:
        """The numeric ``CRLReason`` (e.g. 1 for keyCompromise)."""
        return _CODES[_RFC5280[self]]


_RFC5280: dict[RevocationReason, x509.ReasonFlags] = {
    RevocationReason.OWN_DATA_CHANGED: F.affiliation_changed,
    RevocationReason.HOLDER_TRANSFERRED: F.affiliation_changed,
    RevocationReason.HOLDER_RESIGNED: F.cessation_of_operation,
    RevocationReason.EMAIL_CHANGED: F.superseded,
    RevocationReason.NEW_PHONE: F.superseded,
    RevocationReason.LOST_PHONE: F.key_compromise,
    RevocationReason.FORGOT_PIN: F.superseded,
    RevocationReason.APP_DELETED: F.superseded,
    RevocationReason.PRIVILEGE_WITHDRAWN: F.privilege_withdrawn,
    RevocationReason.SUSPENDED: F.certificate_hold,
    RevocationReason.RENEWED: F.superseded,
}

_CODES: dict[x509.ReasonFlags, int] = {
    F.unspecified: 0, F.key_compromise: 1, F.ca_compromise: 2, F.affiliation_changed: 3,
    F.superseded: 4, F.cessation_of_operation: 5, F.certificate_hold: 6,
    F.remove_from_crl: 8, F.privilege_withdrawn: 9, F.aa_compromise: 10,
}  # fmt: skip

#: The reasons a holder may choose without an officer: manual chapter 5 has four, the
#: second of which ("the holder changes") is either a resignation or a transfer.
SELF_REVOCATION_REASONS = (
    RevocationReason.OWN_DATA_CHANGED,
    RevocationReason.HOLDER_RESIGNED,
    RevocationReason.HOLDER_TRANSFERRED,
    RevocationReason.EMAIL_CHANGED,
    RevocationReason.NEW_PHONE,
)


def parse_reason(raw: object) -> RevocationReason:
    """A :class:`RevocationReason` from itself or its value.

    Raises:
        ValidationError: ``invalid_value`` on field ``reason``.
    """
    try:
        return RevocationReason(raw)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationError("invalid_value", field="reason", detail=repr(raw)[:40]) from None


@attrs.frozen(kw_only=True)
class CrlEntry:
    serial: int
    revoked_at: datetime
    reason: RevocationReason


def crl_number(now: datetime) -> int:
    """The floor of the next CRL number: microseconds since the epoch. Versions before
    the counter row published this alone, which repeats when two CRLs are made in the
    same microsecond and goes back with the clock; the number itself now comes from the
    counter in storage (``CrlCounterTable.advance``), never below this floor, so a
    deployment that upgrades keeps numbering upwards."""
    return int(utc(now).timestamp() * 1_000_000)


def _naive(moment: datetime) -> datetime:
    # The builder's setters turn aware times into naive UTC; the constructor does not.
    if moment.tzinfo is not UTC:
        moment = utc(moment)
    return moment.replace(tzinfo=None)


def build_crl(
    *,
    issuer: x509.Certificate,
    key: SigningKey,
    entries: Iterable[CrlEntry],
    now: datetime,
    next_update: timedelta,
    number: int,
) -> x509.CertificateRevocationList:
    """A full CRL signed by the issuing CA: ``thisUpdate`` now, ``nextUpdate`` from the
    policy, the CRL ``number`` (from storage), the authority key identifier, a reason
    code on every entry."""
    now = utc(now)
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    # One reason extension per reason, shared by every entry that gives it.
    reason_extensions: dict[RevocationReason, list[x509.Extension[x509.ExtensionType]]] = {
        reason: [
            x509.Extension(
                oid=x509.CRLReason.oid, critical=False, value=x509.CRLReason(reason.crl_reason)
            )
        ]
        for reason in RevocationReason
    }
    revoked = [
        x509.RevokedCertificateBuilder(
            serial_number=entry.serial,
            revocation_date=_naive(entry.revoked_at),
            extensions=reason_extensions[entry.reason],
        ).build()
        for entry in entries
    ]
    # The builder's constructor takes the whole list: adding one entry at a time copies
    # the list each time, which is quadratic for a large CRL.
    builder = x509.CertificateRevocationListBuilder(
        issuer_name=issuer.subject,
        last_update=_naive(now),
        next_update=_naive(now + next_update),
        extensions=[
            x509.Extension(oid=x509.CRLNumber.oid, critical=False, value=x509.CRLNumber(number)),
            x509.Extension(
                oid=x509.AuthorityKeyIdentifier.oid,
                critical=False,
                value=x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
            ),
        ],
        revoked_certificates=revoked,
    )
    return key.sign_crl(builder)
