"""``soft.renewal``: the renewal ceremony of manual chapter 6.

Portal: :meth:`RenewalService.begin` ("Renew Soft Token", confirm), then
:meth:`check` ("check") until it says completed. Device: :meth:`pending_for_device`
shows "Update Profile"; the person taps "Accept"; the device's signed message goes to
:meth:`complete`, whose answer carries the new certificate ("Profile updated
successfully"). The old certificate keeps working until the device first uses the new one.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import attrs
from cryptography.hazmat.primitives import serialization

from softtoken._context import ServiceContext
from softtoken._log import logs_refusals
from softtoken.ca._csr import CheckedCsr, parse_csr
from softtoken.ca._records import CertificateRecord, CertificateStatus, CertificateTable
from softtoken.errors import AuthenticationError, NotFound, StateError
from softtoken.lifecycle.bindings import BindingTable, EventKind, record_event
from softtoken.lifecycle.renewal.machine import (
    RenewalRequest,
    RenewalState,
    RenewalTable,
    check_renewable,
    complete_renewal,
    decline_renewal,
    new_renewal,
    require_user,
    supersede_renewal,
)
from softtoken.mail._templates import EmailTemplate, register_template
from softtoken.protocol._messages import PROTOCOL_VERSION, RENEWAL_TYP, RenewalClaims

if TYPE_CHECKING:
    from softtoken.ca._service import CaService
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["RenewalService", "RenewalStart", "RenewalStatus", "VerifiedRenewal"]

_DER = serialization.Encoding.DER

register_template(
    "soft_token_renewed",
    EmailTemplate(
        subject_th="$portal: ต่ออายุ Soft Token เรียบร้อยแล้ว",
        subject_en="$portal: your soft token was renewed",
        body_th="เรียน $name\n\nSoft Token ของบัญชี $user_id ได้รับการต่ออายุเมื่อ $when (UTC) "
        "ใบรับรองใหม่หมายเลข $serial ใช้ได้ถึง $not_after\n\n"
        "หากท่านไม่ได้เป็นผู้ดำเนินการนี้ กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด",
        body_en="Dear $name,\n\nThe soft token of account $user_id was renewed at $when (UTC). "
        "The new certificate $serial is valid until $not_after.\n\n"
        "If this was not you, contact the Comptroller General's Department at once.",
    ),
)


@attrs.frozen(kw_only=True)
class RenewalStart:
    renewal_id: str
    expires_at: datetime
    new_key: bool


@attrs.frozen(kw_only=True)
class RenewalStatus:
    renewal_id: str
    state: RenewalState
    new_serial: str | None

    @property
    def completed(self) -> bool:
        return self.state is RenewalState.COMPLETED


@attrs.frozen(kw_only=True)
class VerifiedRenewal:
    user_id: str
    old_serial: str
    new_serial: str
    not_after: datetime
    answer: dict[str, Any] = attrs.field(repr=False)


def _usable(record: CertificateRecord) -> None:
    if record.status is CertificateStatus.REVOKED:
        raise AuthenticationError("certificate_revoked")
    if record.status is CertificateStatus.SUPERSEDED:
        raise AuthenticationError("certificate_superseded")


class PasswordStep(Protocol):
    """The password step of a login (``soft.login``); renewal after expiry starts with it.
    Named here as a port so the renewal flow does not depend on the login flow, which
    depends on renewal for its notice."""

    def password(self, user_id: object, password: object) -> object: ...


class RenewalService:
    def __init__(self, context: ServiceContext, *, ca: CaService, login: PasswordStep) -> None:
        self._ctx = context
        self._ca = ca
        self._login = login

    def begin(self, user_id: object, *, password: object = None) -> RenewalStart:
        """Start a renewal. A logged-in person renews without ``password``; an expired
        certificate renews only with it (the password step of that login), within
        ``policy.renewal_grace_period``.

        Raises:
            StateError: ``soft_token_not_active``, ``renewal_needs_password``,
                ``renewal_grace_over``, ``renewal_awaiting_use``.
            AuthenticationError: ``certificate_revoked``, ``certificate_superseded``; the
                password step's errors.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        after_password = password is not None
        if after_password:
            self._login.password(uid.value, password)

        def work(uow: StorageUnitOfWork) -> RenewalStart:
            now = ctx.clock.now()
            binding = uow.repository(BindingTable).active_for(uid.value)
            if binding is None:
                raise StateError("soft_token_not_active")
            if binding.renewed_serial is not None:
                raise StateError("renewal_awaiting_use")
            record = uow.repository(CertificateTable).get_by_key(binding.certificate_serial)
            _usable(record)
            check_renewable(record.not_after, now, ctx.policy, after_password=after_password)
            table = uow.repository(RenewalTable)
            for older in table.open_for_device(binding.device_id):
                table.update(supersede_renewal(older))
            request = table.add(new_renewal(
                user_id=uid.value, device_id=binding.device_id, serial=record.serial, now=now,
                policy=ctx.policy, after_password=after_password,
            ))  # fmt: skip
            ctx.audit(uow, actor=f"user:{uid.value}", action="renewal.begin", subject=uid.value,
                      renewal=request.renewal_id, serial=record.serial,
                      expired=now > record.not_after)  # fmt: skip
            return RenewalStart(renewal_id=request.renewal_id, expires_at=request.expires_at,
                                new_key=request.new_key)  # fmt: skip

        return ctx.transact(work)

    def pending_for_device(self, certificate_serial: object) -> list[dict[str, Any]]:
        """The "Update Profile" requests waiting for this device."""
        from softtoken.ca._service import parse_serial  # noqa: PLC0415 - import cycle

        serial = parse_serial(certificate_serial)
        now = self._ctx.clock.now()
        with self._ctx.unit_of_work().reading() as uow:
            binding = uow.repository(BindingTable).for_serial(serial)
            if binding is None or not binding.active:
                return []
            requests = uow.repository(RenewalTable)
            waiting = requests.open_for_device(binding.device_id)
            issued = self._issued_answer(uow, binding.device_id, binding.renewed_serial)
        # A certificate issued but never used: its answer may have been lost on the way
        # to the phone, so the poll offers it again until the phone first uses it.
        offered = [] if issued is None else [{"type": "renewal_issued", **issued}]
        return offered + [
            {"v": PROTOCOL_VERSION, "type": "renewal", "rid": r.renewal_id, "nonce": r.nonce,
             "new_key": r.new_key, "portal": self._ctx.portal_name,
             "exp": int(r.expires_at.timestamp())}
            for r in waiting
            if r.state_at(now) is RenewalState.PENDING
        ]  # fmt: skip

    @logs_refusals("renewal.complete")
    def complete(self, message: object) -> VerifiedRenewal:
        """The device answered "Update Profile". ``accept``: issue the new certificate.
        ``decline``: the request ends declined (audited, the portal's :meth:`check`
        says so) and nothing is issued; the call then raises ``renewal_declined``. A
        message without one of these two decisions is malformed.

        Raises:
            StateError: ``renewal_declined`` (recorded first).
            ValidationError: ``device_message_malformed``; the CSR's codes.
            AuthenticationError: ``device_signature_invalid``, ``certificate_untrusted``,
                ``certificate_revoked``, ``certificate_superseded``, ``renewal_wrong_account``,
                ``renewal_expired``, ``renewal_used``, ``renewal_nonce_mismatch``.
            StateError: ``renewal_needs_password``, ``renewal_grace_over``.
            NotFound: ``renewal_not_found``.
        """
        ctx = self._ctx
        signed, leaf = self._ca.read_device_message(message, expect_typ=RENEWAL_TYP)
        claims = RenewalClaims.from_claims(signed.claims)
        serial = format(leaf.serial_number, "x")
        if claims.decision == "decline":
            self._decline(claims, leaf_der=leaf.public_bytes(_DER), serial=serial)
        checked = None if claims.csr_der is None else parse_csr(claims.csr_der, policy=ctx.policy)

        def work(uow: StorageUnitOfWork) -> VerifiedRenewal:
            now = ctx.clock.now()
            requests = uow.repository(RenewalTable)
            request = requests.get_by_key(claims.renewal_id)
            record = uow.repository(CertificateTable).get_by_key(serial)
            if record.der != leaf.public_bytes(_DER) or request.certificate_serial != serial:
                raise AuthenticationError("renewal_wrong_account")
            require_user(request, record.user_id)
            _usable(record)
            if request.status is RenewalState.COMPLETED:
                # The same answer again (the first answer was lost): the same certificate.
                return self._answer_again(uow, request, nonce=claims.nonce, checked=checked)
            check_renewable(record.not_after, now, ctx.policy,
                            after_password=request.after_password)  # fmt: skip
            bindings = uow.repository(BindingTable)
            binding = bindings.get_by_key(request.device_id)
            if not binding.active or binding.certificate_serial != serial:
                raise AuthenticationError("certificate_superseded")
            done = complete_renewal(request, nonce=claims.nonce, now=now, new_serial="")
            new = self._ca.renew_in(uow, serial, user_id=record.user_id, checked=checked,
                                    actor=f"user:{record.user_id}", supersede=False)  # fmt: skip
            requests.update(attrs.evolve(done, new_serial=new.serial))
            bindings.update(attrs.evolve(binding, renewed_serial=new.serial))
            record_event(uow.transaction, binding, EventKind.RENEWED, now=now,
                         source=f"user:{record.user_id}", serial=new.serial,
                         detail="new_key" if checked else "same_key")  # fmt: skip
            self._tell(uow, record.user_id, new, now)
            return VerifiedRenewal(
                user_id=record.user_id, old_serial=serial, new_serial=new.serial,
                not_after=new.not_after, answer=self._answer(request.renewal_id, new),
            )  # fmt: skip

        return ctx.transact(work)

    def _answer(self, renewal_id: str, new: CertificateRecord) -> dict[str, Any]:
        authority = self._ca.authority
        chain = [new.certificate, authority.issuing, authority.root]
        x5c = [base64.b64encode(c.public_bytes(_DER)).decode() for c in chain]
        return {"v": PROTOCOL_VERSION, "rid": renewal_id, "totp": None, "x5c": x5c}

    def _answer_again(
        self, uow: StorageUnitOfWork, request: RenewalRequest, *, nonce: str,
        checked: CheckedCsr | None,
    ) -> VerifiedRenewal:  # fmt: skip
        """A completed request answered again by its own device: the certificate it
        issued, while the phone has not used it yet. Writes nothing (no second
        certificate, no second mail or audit record).

        Raises:
            AuthenticationError: ``renewal_used`` (used already, another nonce, or
                another new key than the one certified).
        """
        new_serial = request.new_serial
        binding = uow.repository(BindingTable).get_by_key(request.device_id)
        if (
            new_serial is None
            or not binding.active
            or binding.renewed_serial != new_serial
            or not hmac.compare_digest(request.nonce.encode(), nonce.encode())
        ):
            raise AuthenticationError("renewal_used")
        new = uow.repository(CertificateTable).get_by_key(new_serial)
        if checked is not None and checked.key_fingerprint != new.key_fingerprint:
            raise AuthenticationError("renewal_used")
        return VerifiedRenewal(
            user_id=request.user_id, old_serial=request.certificate_serial,
            new_serial=new.serial, not_after=new.not_after,
            answer=self._answer(request.renewal_id, new),
        )  # fmt: skip

    def _issued_answer(
        self, uow: StorageUnitOfWork, device_id: str, renewed_serial: str | None
    ) -> dict[str, Any] | None:
        if renewed_serial is None:
            return None
        done = uow.repository(RenewalTable).find_where(
            [("device_id", "=", device_id), ("new_serial", "=", renewed_serial)], limit=1
        )
        if not done:
            return None
        new = uow.repository(CertificateTable).get_by_key(renewed_serial)
        return self._answer(done[0].renewal_id, new)

    def _decline(self, claims: RenewalClaims, *, leaf_der: bytes, serial: str) -> NoReturn:
        """Record "Decline" (a signed answer from the device the request is for), then
        raise ``renewal_declined``: the portal's page learns it from :meth:`check`."""
        ctx = self._ctx

        def work(uow: StorageUnitOfWork) -> None:
            requests = uow.repository(RenewalTable)
            request = requests.get_by_key(claims.renewal_id)
            record = uow.repository(CertificateTable).get_by_key(serial)
            if record.der != leaf_der or request.certificate_serial != serial:
                raise AuthenticationError("renewal_wrong_account")
            require_user(request, record.user_id)
            requests.update(decline_renewal(request, nonce=claims.nonce, now=ctx.clock.now()))
            ctx.audit(uow, actor=f"device:{request.device_id}", action="renewal.decline",
                      subject=record.user_id, outcome="denied", renewal=request.renewal_id,
                      serial=serial)  # fmt: skip

        ctx.transact(work)
        raise StateError("renewal_declined")

    def _tell(
        self, uow: StorageUnitOfWork, user_id: str, new: CertificateRecord, now: datetime
    ) -> None:
        account = uow.accounts.get(self._ctx.user_id(user_id))
        self._ctx.audit(uow, actor=f"user:{user_id}", action="renewal.complete",
                        subject=user_id, serial=new.serial)  # fmt: skip
        if account.email:
            self._ctx.email(uow, "soft_token_renewed", account.email.value, {
                "name": account.full_name, "user_id": user_id,
                "when": now.strftime("%Y-%m-%d %H:%M"), "serial": new.serial,
                "not_after": new.not_after.strftime("%Y-%m-%d"),
            })  # fmt: skip

    def check(self, renewal_id: object, *, user_id: object) -> RenewalStatus:
        """The portal's "check": has the app accepted the new profile?

        Raises:
            NotFound: ``renewal_not_found`` (also another person's renewal).
        """
        uid = self._ctx.user_id(user_id)
        if not isinstance(renewal_id, str) or len(renewal_id) > 64:  # noqa: PLR2004
            raise NotFound("renewal_not_found")
        with self._ctx.unit_of_work().reading() as uow:
            request = uow.repository(RenewalTable).get_by_key(renewal_id)
        if request.user_id != uid.value:
            raise NotFound("renewal_not_found")
        return RenewalStatus(renewal_id=request.renewal_id,
                             state=request.state_at(self._ctx.clock.now()),
                             new_serial=request.new_serial)  # fmt: skip
