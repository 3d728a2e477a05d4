"""``soft.push_login``: "Login by Soft Token" (manual chapter 3): the password, then a
challenge the authenticator app approves after the person matched the picture.

Portal side: :meth:`PushLoginService.begin` (user ID + password; returns what the
computer shows) then :meth:`check` until it stops saying ``challenge_pending``. Device
side: :meth:`pending_for_device` (what the app shows; polling always works, a
:class:`~softtoken.ports.PushNotifier` can wake the app) and :meth:`respond` (the signed
approval or decline). Challenges live ``policy.challenge_lifetime`` (2 minutes), one
open per account, used once. After ``policy.pushes_since_last_login`` unanswered pushes,
each further push waits ``policy.login_lockout`` (push fatigue, B4 3.1.3.2).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from softtoken._context import ServiceContext
from softtoken._log import logs_refusals
from softtoken.accounts import _boundary
from softtoken.accounts._account import Account, AccountStatus, LoginType
from softtoken.audit._chain import Outcome
from softtoken.ca._reading import parse_serial
from softtoken.ca._records import CertificateRecord, CertificateStatus, CertificateTable
from softtoken.errors import AuthenticationError, NotFound, RateLimited, StateError
from softtoken.lifecycle.bindings import BindingTable, DeviceBinding
from softtoken.lifecycle.login._push_results import (
    ChallengeAnswer,
    SoftTokenChallenge,
    SoftTokenLogin,
    for_device,
    login_result,
)
from softtoken.lifecycle.login.challenges import (
    ChallengeState,
    ChallengeTable,
    LoginChallenge,
    answer_challenge,
    challenge_key,
    complete_challenge,
    new_challenge,
    supersede_challenge,
)
from softtoken.lifecycle.renewal.machine import CertificateNotice, certificate_notice
from softtoken.otp._client import LOGIN_FAILURES, ClientThrottle
from softtoken.otp._service import Failure, transact_recording
from softtoken.protocol._messages import APPROVAL_TYP, ApprovalClaims
from softtoken.protocol._pictures import picture

if TYPE_CHECKING:
    from softtoken.ca._service import CaService
    from softtoken.lifecycle.login._password import LoginService, PasswordLogin
    from softtoken.otp._totp import TotpService
    from softtoken.ports import PushNotifier
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ChallengeAnswer", "PushLoginService", "SoftTokenChallenge", "SoftTokenLogin"]


class PushLoginService:
    def __init__(
        self,
        context: ServiceContext,
        *,
        login: LoginService,
        ca: CaService,
        totp: TotpService,
        notifier: PushNotifier | None = None,
    ) -> None:
        self._ctx = context
        self._login = login
        self._ca = ca
        self._totp = totp
        self.notifier = notifier
        self._client = ClientThrottle(context, LOGIN_FAILURES)
        #: Called with the challenge ID after each answer is stored (approved, declined or
        #: failed), so a portal request waiting for it wakes (``soft.sign_in.wait``).
        self.on_answer: Callable[[str], None] | None = None

    def _code_mac(self, challenge_id: str, code: str, *, under: str | None = None) -> str:
        keys = self._ctx.keys.for_stored(under)
        return keys.tagged_mac(keys.tokens, "challenge-code", challenge_id, code)

    # --- the portal's side ------------------------------------------------------------

    def begin(
        self, user_id: object, password: object, *, client: str | None = None
    ) -> SoftTokenChallenge:
        """ "Login by Soft Token": check the password, then ask the phone. ``client``
        (the portal's key for the caller) counts failures across accounts as
        ``soft.sign_in.begin`` does, in the same count.

        Raises:
            the password step's errors (see ``soft.login.password``);
            StateError: ``soft_token_not_active``, ``soft_token_expired`` (renew before
                logging in, manual chapter 6);
            AuthenticationError: ``certificate_revoked``;
            RateLimited: ``too_many_pushes``, ``client_locked`` with ``retry_after``.
        """
        mac = self._client.key(client)
        step = self._client.failures(mac, lambda: self._login.password(user_id, password))
        return self.begin_after_password(step)

    def begin_after_password(self, step: PasswordLogin) -> SoftTokenChallenge:
        """Ask the phone after a password step that passed (``step``, what ``soft.login.password``
        returned; ``soft.sign_in`` uses it to hash the password once). Raises as :meth:`begin`."""
        ctx = self._ctx  # below: a PasswordLogin's account, else ValidationError on ``step``
        uid = _boundary.instance(getattr(step, "account", None), Account, "step").user_id.value
        code_box: list[str | None] = []

        def work(uow: StorageUnitOfWork) -> LoginChallenge:
            now = ctx.clock.now()
            account = uow.accounts.get(step.account.user_id)
            bindings = uow.repository(BindingTable)
            binding = bindings.active_for(uid)
            if account.login_type is not LoginType.SOFT_TOKEN or binding is None:
                raise StateError("soft_token_not_active")
            self._check_certificate(uow, binding, now)
            limit = ctx.policy.pushes_since_last_login
            if binding.pushes_since_login >= limit and binding.last_push_at is not None:
                wait_until = binding.last_push_at + ctx.policy.login_lockout
                if now < wait_until:
                    raise RateLimited(
                        "too_many_pushes", retry_after=int((wait_until - now).total_seconds()) + 1
                    )
            table = uow.repository(ChallengeTable)
            for older in table.open_for_user(uid):
                table.update(supersede_challenge(older))
            challenge, code = new_challenge(
                user_id=uid,
                device_id=binding.device_id,
                now=now,
                policy=ctx.policy,
                password_change_required=account.must_change_password,
                code_mac=self._code_mac,
            )
            code_box[:] = [code]
            bindings.update(
                attrs.evolve(
                    binding, pushes_since_login=binding.pushes_since_login + 1, last_push_at=now
                )
            )
            ctx.audit(
                uow,
                actor=f"user:{uid}",
                action="login.push",
                subject=uid,
                factor="soft_token",
                challenge=challenge.challenge_id,
                mode=challenge.mode,
            )
            return table.add(challenge)

        challenge = ctx.transact(work)
        if self.notifier is not None:
            self.notifier.notify(challenge.device_id, for_device(challenge, self._ctx.portal_name))
        return SoftTokenChallenge(
            challenge_id=challenge.challenge_id,
            mode=challenge.mode,
            picture=picture(challenge.picture),
            code=code_box[0],
            expires_at=challenge.expires_at,
        )

    def _check_certificate(
        self, uow: StorageUnitOfWork, binding: DeviceBinding, now: datetime
    ) -> CertificateRecord:
        """The certificate the soft token stands on, if a login may go on with it
        (manual chapter 6: only an expired one stops the login)."""
        record = uow.repository(CertificateTable).get_by_key(binding.current_serial)
        if record.status is not CertificateStatus.ACTIVE:
            raise AuthenticationError(f"certificate_{record.status.value}")
        notice = certificate_notice(record.not_after, now, self._ctx.policy)
        if notice is CertificateNotice.EXPIRED:
            raise StateError("soft_token_expired")
        return record

    def check(self, challenge_id: object, *, user_id: object) -> SoftTokenLogin:
        """The portal asks whether the phone approved; an approved challenge completes
        the login here, once.

        Raises:
            StateError: ``challenge_pending`` (ask again shortly).
            NotFound: ``challenge_not_found`` (also another person's challenge).
            AuthenticationError: ``challenge_declined``, ``challenge_answer_wrong``,
                ``challenge_expired``, ``challenge_used`` (also one a password change or
                reset superseded), ``certificate_revoked``.
            StateError: ``account_disabled`` since the challenge began (it is used up).
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        key = challenge_key(challenge_id)

        def work(uow: StorageUnitOfWork) -> SoftTokenLogin | Failure[SoftTokenLogin]:
            now = ctx.clock.now()
            table = uow.repository(ChallengeTable)
            challenge = table.get_by_key(key)
            if challenge.user_id != uid.value:
                raise NotFound("challenge_not_found")
            # The account as it is now, not as it was at the password step (issue 12, L5).
            account = uow.accounts.get(uid)
            if account.status is AccountStatus.DISABLED and challenge.state_at(now) in {
                ChallengeState.PENDING, ChallengeState.APPROVED,
            }:  # fmt: skip
                table.update(supersede_challenge(challenge))
                ctx.audit(uow, actor=f"user:{uid.value}", action="login.complete",
                          subject=uid.value, outcome="denied", factor="soft_token",
                          challenge=key, reason="account_disabled")  # fmt: skip
                return Failure(StateError("account_disabled"))
            table.update(complete_challenge(challenge, now=now))
            bindings = uow.repository(BindingTable)
            binding = bindings.get_by_key(challenge.device_id)
            if not binding.active:
                raise AuthenticationError("certificate_revoked")
            bindings.update(attrs.evolve(binding, pushes_since_login=0))
            return self.complete_in(
                uow, binding, now, factor="soft_token", challenge=key, account=account
            )

        return transact_recording(ctx, work)

    def offline(
        self, user_id: object, password: object, code: object, *, client: str | None = None
    ) -> SoftTokenLogin:
        """Password plus a TOTP code from the app, for a phone without network; only
        when ``policy.totp_offline_fallback`` allows it (off by default). ``client``: as
        for :meth:`begin`.

        Raises:
            StateError: ``offline_login_not_allowed``, ``soft_token_not_active``,
                ``soft_token_expired``; RateLimited: ``client_locked``; the password
                step's and ``soft.totp.verify``'s errors.
        """
        ctx = self._ctx
        if not ctx.policy.totp_offline_fallback:
            raise StateError("offline_login_not_allowed")
        mac = self._client.key(client)

        def check() -> str:
            uid = self._login.password(user_id, password).account.user_id.value
            self._totp.verify(uid, code)
            return uid

        uid = self._client.failures(mac, check)

        def work(uow: StorageUnitOfWork) -> SoftTokenLogin:
            now = ctx.clock.now()
            binding = uow.repository(BindingTable).active_for(uid)
            if binding is None:
                raise StateError("soft_token_not_active")
            return self.complete_in(uow, binding, now, factor="totp")

        return ctx.transact(work)

    def complete_in(
        self,
        uow: StorageUnitOfWork,
        binding: DeviceBinding,
        now: datetime,
        *,
        factor: str,
        challenge: str | None = None,
        account: Account | None = None,
    ) -> SoftTokenLogin:
        """The login happened, in the caller's unit of work: the certificate still stands,
        the account (``account`` if the caller read it in this unit of work) records it."""
        record = self._check_certificate(uow, binding, now)
        uid = self._ctx.user_id(binding.user_id)
        read = account if account is not None and account.user_id == uid else None
        read = read or uow.accounts.get(uid)
        account = uow.accounts.update(attrs.evolve(read, last_login_at=now, updated_at=now))
        self._ctx.audit(uow, actor=f"user:{uid.value}", action="login.complete",
                        subject=uid.value, factor=factor, challenge=challenge,
                        serial=record.serial)  # fmt: skip
        return login_result(account, record, now, self._ctx.policy)

    # --- the device's side ------------------------------------------------------------

    def pending_for_device(self, certificate_serial: object) -> list[dict[str, Any]]:
        """What waits for the device with this certificate (the app's poll). Showing a
        challenge reveals nothing that approves it: that needs the device key."""
        serial = parse_serial(certificate_serial)
        now = self._ctx.clock.now()
        with self._ctx.unit_of_work().reading() as uow:
            binding = uow.repository(BindingTable).for_serial(serial)
            if binding is None or not binding.active:
                return []
            open_ = uow.repository(ChallengeTable).open_for_device(binding.device_id)
        return [
            for_device(c, self._ctx.portal_name)
            for c in open_
            if c.state_at(now) is ChallengeState.PENDING
        ]

    @logs_refusals("login.push_answer")
    def respond(self, message: object) -> ChallengeAnswer:
        """The app's signed approval or decline ("not me", recorded and emailed).

        Raises:
            ValidationError: ``device_message_malformed``.
            AuthenticationError: ``device_signature_invalid``, the certificate's codes
                (``certificate_untrusted``, ``certificate_revoked``, ``certificate_expired``,
                ...), ``challenge_wrong_account``, ``challenge_expired``, ``challenge_used``,
                ``challenge_nonce_mismatch``, ``challenge_answer_wrong``,
                ``approval_time_invalid`` (``iat`` more than
                ``policy.approval_max_clock_skew`` from the server's clock).
            NotFound: ``challenge_not_found``.
        """
        ctx = self._ctx
        # The CPU work first, outside any transaction: the path to our CA, the signature.
        signed, leaf = self._ca.read_device_message(message, expect_typ=APPROVAL_TYP)
        claims = ApprovalClaims.from_claims(signed.claims)

        def work(uow: StorageUnitOfWork) -> ChallengeAnswer | Failure[ChallengeAnswer]:
            now = ctx.clock.now()
            # The register, in the transaction that uses it: revoked a moment ago counts.
            verified = self._ca.verify_in(uow, leaf, chain_checked=True)
            # An approval signed long ago (kept, then replayed) or "in the future" is
            # refused before the challenge is touched (issue 12); the challenge's own
            # lifetime still applies on top. The certificate's verdict comes first.
            if abs(claims.issued_at - now) > ctx.policy.approval_max_clock_skew:
                raise AuthenticationError("approval_time_invalid")
            table = uow.repository(ChallengeTable)
            challenge = table.get_by_key(claims.challenge_id)
            binding = uow.repository(BindingTable).get_by_key(challenge.device_id)
            serial = verified.record.serial
            if challenge.user_id != verified.user_id or serial not in (
                binding.certificate_serial,
                binding.renewed_serial,
            ):
                raise AuthenticationError("challenge_wrong_account")
            if not binding.active:
                raise AuthenticationError("certificate_revoked")
            if serial == binding.renewed_serial:
                # The renewed certificate's first use retires the old one (chapter 6).
                self._ca.supersede_in(uow, binding.certificate_serial, by=serial,
                                      actor=f"device:{binding.device_id}")  # fmt: skip
                binding = uow.repository(BindingTable).update(
                    attrs.evolve(binding, certificate_serial=serial, renewed_serial=None)
                )
            answered = table.update(
                answer_challenge(
                    challenge,
                    decision=claims.decision,
                    answer=claims.answer,
                    nonce=claims.nonce,
                    now=now,
                    code_mac=lambda cid, code: self._code_mac(cid, code, under=challenge.code_mac),
                )
            )
            uid = challenge.user_id
            outcome: dict[ChallengeState, Outcome] = {
                ChallengeState.APPROVED: "success",
                ChallengeState.DECLINED: "denied",
            }
            ctx.audit(
                uow,
                actor=f"device:{binding.device_id}",
                action="login.push_answer",
                subject=uid,
                outcome=outcome.get(answered.status, "failure"),
                factor="soft_token",
                challenge=challenge.challenge_id,
                decision=answered.status.value,
            )
            if answered.status is ChallengeState.DECLINED:
                self._tell_declined(uow, uid, now)
            if answered.status is ChallengeState.FAILED:
                return Failure(AuthenticationError("challenge_answer_wrong"))
            return ChallengeAnswer(
                challenge_id=challenge.challenge_id, decision=answered.status.value
            )

        try:
            return transact_recording(ctx, work)
        finally:
            # Also after a refusal: a waiter that wakes for nothing checks and waits on.
            if self.on_answer is not None:
                self.on_answer(claims.challenge_id)

    def _tell_declined(self, uow: StorageUnitOfWork, user_id: str, now: datetime) -> None:
        account = uow.accounts.get(self._ctx.user_id(user_id))
        if account.email:
            self._ctx.email(
                uow,
                "login_declined",
                account.email.value,
                {
                    "name": account.full_name,
                    "user_id": user_id,
                    "when": now.strftime("%Y-%m-%d %H:%M"),
                },
            )
