"""``soft.activation``: the begin / enroll / check ceremony of chapter 2 step 5."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
from cryptography.hazmat.primitives import serialization

from softtoken._context import ServiceContext
from softtoken._log import logs_refusals
from softtoken._qr import qr_png, qr_svg, qr_terminal
from softtoken.accounts._account import LoginType
from softtoken.ca._csr import key_fingerprint, parse_csr
from softtoken.ca._revocation import RevocationReason
from softtoken.errors import AuthenticationError, Conflict, NotFound, StateError
from softtoken.lifecycle.activation.machine import (
    Activation,
    ActivationState,
    ActivationTable,
    complete_activation,
    new_activation,
    supersede_activation,
)
from softtoken.lifecycle.bindings import (
    BindingTable,
    DeviceBinding,
    EventKind,
    end_binding,
    record_event,
)
from softtoken.mail._templates import EmailTemplate, register_template
from softtoken.protocol import _jws
from softtoken.protocol._messages import (
    ENROLL_TYP,
    PROTOCOL_VERSION,
    ActivationPayload,
    EnrollmentClaims,
    ca_key_pin,
)
from softtoken.protocol.attestation import NexusAttestation, attestation_challenge

if TYPE_CHECKING:
    from softtoken.ca._service import CaService
    from softtoken.lifecycle.registration import RegistrationService
    from softtoken.otp._totp import TotpService
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ActivationService", "ActivationStart", "ActivationStatus", "VerifiedActivation"]

_DER = serialization.Encoding.DER

register_template(
    "device_bound",
    EmailTemplate(
        subject_th="$portal: เปิดใช้งาน Soft Token บนอุปกรณ์ใหม่แล้ว",
        subject_en="$portal: a soft token was activated on a new device",
        body_th="เรียน $name\n\nบัญชี $user_id ได้เปิดใช้งาน Soft Token บนอุปกรณ์ ($platform) "
        "เมื่อ $when (UTC) ใบรับรองหมายเลข $serial ใช้ได้ถึง $not_after\n\n"
        "หากท่านไม่ได้เป็นผู้ดำเนินการนี้ กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด",
        body_en="Dear $name,\n\nA soft token was activated for account $user_id on a device "
        "($platform) at $when (UTC). Certificate $serial is valid until $not_after.\n\n"
        "If this was not you, contact the Comptroller General's Department at once.",
    ),
)


@attrs.frozen(kw_only=True)
class ActivationStart:
    """What the portal shows: the QR code (``qr_png()``, ``qr_svg()`` or
    ``qr_terminal()``, all drawing ``qr_payload``) and when it stops working. The page
    must stay open."""

    activation_id: str
    qr_payload: str = attrs.field(repr=False)
    expires_at: datetime

    def qr_png(self) -> bytes:
        return qr_png(self.qr_payload)

    def qr_svg(self) -> str:
        return qr_svg(self.qr_payload)

    def qr_terminal(self) -> str:
        return qr_terminal(self.qr_payload)


@attrs.frozen(kw_only=True)
class VerifiedActivation:
    """The device enrolled. ``answer`` goes back to the device as JSON."""

    user_id: str
    device_id: str
    certificate_serial: str
    not_after: datetime
    answer: dict[str, Any] = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class ActivationStatus:
    """The portal's "check": ``completed`` lets the person into the portal."""

    activation_id: str
    state: ActivationState
    certificate_serial: str | None

    @property
    def completed(self) -> bool:
        return self.state is ActivationState.COMPLETED


def _bind(bindings: BindingTable, binding: DeviceBinding) -> DeviceBinding:
    """Store the new binding. The device ID is the key's (L4), so the same app
    activating again after its soft token ended finds its old, ended row: that row
    becomes the new binding (a version-checked update; the authenticator events keep
    the old one's history). A device still bound elsewhere is refused.

    Raises:
        Conflict: ``soft_token_already_bound``.
    """
    earlier = bindings.find_by_key(binding.device_id)
    if earlier is None:
        return bindings.add(binding)
    if earlier.active:
        raise Conflict("soft_token_already_bound")
    return bindings.update(attrs.evolve(binding, version=earlier.version))


class ActivationService:
    def __init__(
        self,
        context: ServiceContext,
        *,
        ca: CaService,
        totp: TotpService,
        registration: RegistrationService,
        attestation: NexusAttestation | None = None,
        server_url: str,
    ) -> None:
        self._ctx = context
        self._ca = ca
        self._totp = totp
        self._registration = registration
        self.attestation = attestation or NexusAttestation()
        self._server_url = server_url

    def _mac(self, activation_id: str, secret: bytes, *, under: str | None = None) -> str:
        keys = self._ctx.keys.for_stored(under)
        return keys.tagged_mac(keys.tokens, "activation", activation_id, secret)

    def begin(self, user_id: object, *, actor: str | None = None) -> ActivationStart:
        """Start an activation for an approved registration ("Activate", "OK").

        Raises:
            NotFound: ``account_not_found``.
            StateError: ``registration_not_approved`` (identity proofing not done).
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        box: list[bytes] = []

        def work(uow: StorageUnitOfWork) -> Activation:
            account = uow.accounts.get(uid)
            approved = self._registration.ready_for_activation_in(uow, uid)
            if approved is None or not account.registration_completed:
                raise StateError("registration_not_approved")
            table = uow.repository(ActivationTable)
            for older in table.pending_for(uid.value):
                table.update(supersede_activation(older))
            record, secret = new_activation(
                uid.value, now=ctx.clock.now(), policy=ctx.policy, mac=self._mac
            )
            box[:] = [secret]
            ctx.audit(
                uow,
                actor=actor or f"user:{uid.value}",
                action="activation.begin",
                subject=uid.value,
                activation=record.activation_id,
            )
            return table.add(record)

        record = ctx.transact(work)
        payload = ActivationPayload(
            server=self._server_url,
            activation_id=record.activation_id,
            secret=box[0],
            expires_at=record.expires_at,
            ca_pin=ca_key_pin(self._ca.authority.root),
        )
        return ActivationStart(
            activation_id=record.activation_id,
            qr_payload=payload.to_uri(),
            expires_at=record.expires_at,
        )

    @logs_refusals("activation.enroll")
    def enroll(self, message: object) -> VerifiedActivation:
        """The device's enrollment (what the app sends after "Activate").

        Raises:
            ValidationError: ``device_message_malformed``, the CSR's codes,
                ``attestation_format_unsupported``.
            AuthenticationError: ``device_signature_invalid``, ``enrollment_key_mismatch``,
                ``attestation_invalid`` and the other ``attestation_*`` codes of
                ``softtoken.protocol.attestation``, ``activation_secret_invalid``,
                ``activation_expired``, ``activation_used``.
            NotFound: ``activation_not_found``.
            Conflict: ``certificate_key_compromised`` (the key was revoked as lost),
                ``soft_token_already_bound`` (the device is bound to another account).
        """
        ctx = self._ctx
        signed = _jws.read(
            message,
            expect_typ=ENROLL_TYP,
            max_bytes=ctx.policy.message_max_bytes,
            max_depth=ctx.policy.json_max_depth,
        )
        if signed.embedded_key is None:
            raise AuthenticationError("device_signature_invalid", detail="no jwk header")
        _jws.verify(signed, signed.embedded_key)
        claims = EnrollmentClaims.from_claims(signed.claims)
        checked = parse_csr(claims.csr_der, policy=ctx.policy)
        if checked.key_fingerprint != key_fingerprint(signed.embedded_key):
            raise AuthenticationError("enrollment_key_mismatch")
        proven = self.attestation.verify(
            claims.attestation,
            public_key=signed.embedded_key,
            platform=claims.platform,
            # Bound to this QR code; a wrong secret is refused in the transaction below.
            challenge=attestation_challenge(claims.activation_id, claims.secret),
            now=ctx.clock.now(),
            requirement=ctx.policy.attestation_hardware,
        )

        def work(uow: StorageUnitOfWork) -> VerifiedActivation:
            now = ctx.clock.now()
            activations = uow.repository(ActivationTable)
            # Locked: a racing enrollment that reaches this line second waits for the
            # first to commit, then sees the secret used (activation_used) before it
            # looks at the registration the winner has just moved on.
            activation = activations.lock_by_key(claims.activation_id)
            # Check the secret before anything else, so a wrong secret learns nothing.
            done = complete_activation(
                activation,
                presented_mac=self._mac(
                    claims.activation_id, claims.secret, under=activation.secret_mac
                ),
                now=now,
                device_id=proven.device_id,
                serial="",
            )
            account = uow.accounts.get(ctx.user_id(activation.user_id))
            approved = self._registration.ready_for_activation_in(uow, account.user_id)
            if approved is None:
                # Rejected, cancelled or revoked since the QR code was shown.
                raise StateError("registration_not_approved")
            self._registration.mark_activated_in(
                uow, approved.registration_id, actor=f"user:{account.user_id.value}"
            )
            bindings = uow.repository(BindingTable)
            self._end_previous(uow, bindings, activation.user_id, now)
            record = self._ca.issue_in(
                uow,
                user_id=account.user_id.value,
                checked=checked,
                device_id=proven.device_id,
                actor=f"user:{account.user_id.value}",
            )
            activations.update(attrs.evolve(done, certificate_serial=record.serial))
            binding = _bind(
                bindings,
                DeviceBinding(
                    device_id=proven.device_id,
                    user_id=account.user_id.value,
                    certificate_serial=record.serial,
                    platform=claims.platform,
                    biometrics=claims.biometrics,
                    bound_at=now,
                ),
            )
            record_event(
                uow.transaction,
                binding,
                EventKind.BOUND,
                now=now,
                source=f"user:{account.user_id.value}",
                detail=proven.format,
            )
            # The first soft token login demands a new password (manual chapter 3).
            uow.accounts.update(
                attrs.evolve(
                    account,
                    login_type=LoginType.SOFT_TOKEN,
                    must_change_password=True,
                    updated_at=now,
                )
            )
            ctx.audit(
                uow,
                actor=f"user:{account.user_id.value}",
                action="activation.complete",
                subject=account.user_id.value,
                activation=activation.activation_id,
                serial=record.serial,
                platform=claims.platform,
                attestation=proven.format,
                attestation_trust=proven.trust,
                attestation_refused=proven.refused,
                biometrics=claims.biometrics,
            )
            if account.email:
                ctx.email(
                    uow,
                    "device_bound",
                    account.email.value,
                    {
                        "name": account.full_name,
                        "user_id": account.user_id.value,
                        "platform": claims.platform,
                        "when": now.strftime("%Y-%m-%d %H:%M"),
                        "serial": record.serial,
                        "not_after": record.not_after.strftime("%Y-%m-%d"),
                    },
                )
            authority = self._ca.authority
            chain = [record.certificate, authority.issuing, authority.root]
            return VerifiedActivation(
                user_id=account.user_id.value,
                device_id=proven.device_id,
                certificate_serial=record.serial,
                not_after=record.not_after,
                answer={
                    "v": PROTOCOL_VERSION,
                    "aid": activation.activation_id,
                    "x5c": [base64.b64encode(c.public_bytes(_DER)).decode() for c in chain],
                    "totp": None,
                },
            )

        verified = ctx.transact(work)
        if ctx.policy.totp_offline_fallback:
            enrollment = self._totp.enroll(verified.user_id)
            verified.answer["totp"] = {
                "secret": enrollment.secret,
                "uri": enrollment.uri,
                "period": ctx.policy.totp_period_seconds,
                "digits": ctx.policy.totp_digits,
                "algorithm": ctx.policy.totp_algorithm,
            }
        return verified

    def _end_previous(
        self, uow: StorageUnitOfWork, bindings: BindingTable, user_id: str, now: datetime
    ) -> None:
        """A new activation replaces the account's current soft token, if any."""
        previous = bindings.active_for(user_id)
        if previous is None:
            return
        bindings.update(end_binding(previous, reason="superseded", now=now))
        # Both certificates of the old binding (a renewal's may wait), held or not: a
        # suspended one must not be released once its binding ended (issue 12, H1).
        for serial in (previous.certificate_serial, previous.renewed_serial):
            if serial:
                self._ca.revoke_for_good_in(
                    uow, serial, reason=RevocationReason.NEW_PHONE, actor=f"user:{user_id}"
                )
        record_event(
            uow.transaction,
            previous,
            EventKind.UNBOUND,
            now=now,
            source=f"user:{user_id}",
            detail="superseded",
        )

    def check(self, activation_id: object, *, user_id: object) -> ActivationStatus:
        """The portal's "check" button: has the app finished?

        Raises:
            NotFound: ``activation_not_found`` (also for another person's activation).
        """
        uid = self._ctx.user_id(user_id)
        if not isinstance(activation_id, str) or len(activation_id) > 64:  # noqa: PLR2004
            raise NotFound("activation_not_found")
        with self._ctx.unit_of_work().reading() as uow:
            activation = uow.repository(ActivationTable).get_by_key(activation_id)
        if activation.user_id != uid.value:
            raise NotFound("activation_not_found")
        return ActivationStatus(
            activation_id=activation.activation_id,
            state=activation.state_at(self._ctx.clock.now()),
            certificate_serial=activation.certificate_serial,
        )
