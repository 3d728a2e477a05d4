"""``soft.sign_in``: one entry point for the login page, whatever the account's type.

Theory of operation::

    begin(user_id, password)
        wrong password ................... AuthenticationError (as soft.login.password),
                                           counted for the client
        locked (account or client) ....... Locked(code, retry_after)
        password account, must change .... ChangePassword(rules)
        password account ................. SignedIn(aal=1)
        soft token, expired .............. RenewalRequired (renewal begun after this password)
        soft token ....................... SecondFactorRequired(picture, code, handle)
    wait(handle, timeout)
        phone approved, must change ...... ChangePassword (manual chapter 3: first login)
        phone approved ................... SignedIn(aal=2, factors password + soft_token)
        no answer yet .................... StillWaiting
        declined, wrong, expired ......... AuthenticationError
    offline(handle, code) ................ SignedIn(aal=2, factors password + totp)

The decision rests on the account's login type, never on the password step's
``authenticated``: a soft token account is not signed in until its second factor is.
The handle names the challenge and its account; it proves nothing by itself (the
challenge exists only after the password step), and the portal keeps it server-side.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from softtoken.accounts._account import LoginType
from softtoken.errors import AuthenticationError, NotFound, RateLimited, StateError
from softtoken.lifecycle.bindings import BindingTable
from softtoken.lifecycle.login import (
    LoginService,
    LoginStep,
    PasswordLogin,
    PushLoginService,
    SoftTokenLogin,
)
from softtoken.lifecycle.login.challenges import (
    ChallengeState,
    ChallengeTable,
    LoginChallenge,
    supersede_challenge,
)
from softtoken.lifecycle.renewal import RenewalService
from softtoken.lifecycle.sign_in._results import (
    ChangePassword,
    Factor,
    Locked,
    RenewalRequired,
    SecondFactorRequired,
    SignedIn,
    SignInResult,
    StillWaiting,
)
from softtoken.otp._client import LOGIN_FAILURES, ClientThrottle
from softtoken.storage._signals import AnswerSignal, LocalSignal

if TYPE_CHECKING:
    from softtoken._context import ServiceContext
    from softtoken.otp import TotpService
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["SignInService"]

_log = logging.getLogger("softtoken.sign_in")


def _handle(user_id: str, challenge_id: str) -> str:
    return f"{user_id}.{challenge_id}"


def _parse_handle(handle: object) -> tuple[str, str]:
    if isinstance(handle, str) and handle.count(".") == 1 and len(handle) <= 100:  # noqa: PLR2004
        user_id, challenge_id = handle.split(".")
        if user_id and challenge_id:
            return user_id, challenge_id
    raise NotFound("sign_in_handle_invalid")


class SignInService:
    """``soft.sign_in``: begin, wait for the phone, or take the app's offline code."""

    def __init__(
        self,
        context: ServiceContext,
        *,
        login: LoginService,
        push: PushLoginService,
        renewal: RenewalService,
        totp: TotpService,
        signal: AnswerSignal | None = None,
    ) -> None:
        self._ctx = context
        self._login = login
        self._push = push
        self._renewal = renewal
        self._totp = totp
        self.signal: AnswerSignal = signal or LocalSignal()
        self._throttle = ClientThrottle(context, LOGIN_FAILURES)
        push.on_answer = self.signal.publish

    # --- the session's numbers ------------------------------------------------------

    def _signed_in(
        self, user_id: str, factors: tuple[Factor, ...], login: SoftTokenLogin | None = None
    ) -> SignedIn:
        policy, now = self._ctx.policy, self._ctx.clock.now()
        aal2 = len(factors) > 1
        absolute = (
            policy.session_absolute_timeout_aal2 if aal2 else policy.session_absolute_timeout_aal1
        )
        return SignedIn(
            user_id=user_id,
            authenticated_at=now,
            factors=factors,
            aal=2 if aal2 else 1,
            reauthenticate_by=now + absolute,
            idle_timeout=policy.session_idle_timeout_aal2 if aal2 else None,
            renewal_notice=login.renewal_notice if login else False,
            certificate_days_left=login.certificate_days_left if login else None,
        )

    def _change(self, user_id: str, reason: str) -> ChangePassword:
        return ChangePassword(
            user_id=user_id,
            reason=reason,
            rules_th=tuple(self._login.password_rules("th")),
            rules_en=tuple(self._login.password_rules("en")),
        )

    # --- the calls ------------------------------------------------------------------

    def begin(
        self, user_id: object, password: object, *, client: str | None = None
    ) -> SignInResult:
        """The login page's "sign in": user ID and password.

        Args:
            client: what identifies the caller (the portal's view of its address, a
                device cookie): its failures are counted across accounts, and every
                ``policy.client_max_failures``-th locks it for ``policy.client_lockout``
                (``Locked(code="client_locked")``). Only an HMAC of it is stored.

        Raises:
            the password step's errors (``login_failed``, ``password_expired``,
            ``account_disabled``, ...); StateError: ``soft_token_not_active``,
            ``token_key_sign_in_external``, ``renewal_grace_over``;
            AuthenticationError: ``certificate_revoked``.
        """
        client_mac = self._throttle.key(client)
        try:
            self._throttle.check(client_mac)
            step = self._login.password(user_id, password)
        except RateLimited as limited:
            if limited.code != "client_locked":
                self._throttle.count(client_mac)
            _log.info("sign-in locked: %s client=%s", limited.code, client)
            return Locked(code=limited.code, retry_after=limited.retry_after)
        except AuthenticationError:
            self._throttle.count(client_mac)
            raise
        account = step.account
        uid = account.user_id.value
        _log.info("sign-in password step passed: user=%s client=%s", uid, client)
        if account.login_type is LoginType.PASSWORD:
            if step.next_step is LoginStep.CHANGE_PASSWORD:
                return self._change(uid, step.change_reason or "first_login")
            return self._signed_in(uid, ("password",))
        if account.login_type is LoginType.TOKEN_KEY:
            raise StateError("token_key_sign_in_external")
        return self._second_factor(step, password)

    def reauthenticate(
        self, user_id: object, password: object, *, client: str | None = None
    ) -> datetime:
        """The password again, inside a session, before a step that cannot be undone
        (self-revocation, manual chapter 5). NIST SP 800-63B 7.2: while the session
        lasts one factor re-authenticates. Counted like :meth:`begin`'s password step,
        per account and per ``client``. Returns when it happened.

        Raises:
            AuthenticationError: ``login_failed`` (and the password step's other errors).
            RateLimited: ``login_locked``, ``client_locked``.
        """
        client_mac = self._throttle.key(client)
        self._throttle.check(client_mac)
        try:
            self._login.password(user_id, password)
        except AuthenticationError:
            self._throttle.count(client_mac)
            raise
        return self._ctx.clock.now()

    def _second_factor(self, step: PasswordLogin, password: object) -> SignInResult:
        uid = step.account.user_id.value
        try:
            challenge = self._push.begin_after_password(step)
        except RateLimited as limited:
            return Locked(code=limited.code, retry_after=limited.retry_after)
        except StateError as error:
            if error.code != "soft_token_expired":
                raise
            # Chapter 6: once expired, login forces renewal; this request's password
            # step is the one an expired certificate's renewal needs.
            start = self._renewal.begin(uid, password=password)
            return RenewalRequired(user_id=uid, renewal=start, expired_at=self._expired_at(uid))
        return SecondFactorRequired(
            handle=_handle(uid, challenge.challenge_id),
            user_id=uid,
            mode=challenge.mode,
            picture=challenge.picture,
            code=challenge.code,
            expires_at=challenge.expires_at,
            offline_allowed=self._ctx.policy.totp_offline_fallback,
        )

    def _expired_at(self, user_id: str) -> datetime:
        from softtoken.ca._records import CertificateTable  # noqa: PLC0415 - import cycle

        with self._ctx.unit_of_work().reading() as uow:
            binding = uow.repository(BindingTable).active_for(user_id)
            if binding is None:  # pragma: no cover - renewal.begin checked it just now
                raise StateError("soft_token_not_active")
            return uow.repository(CertificateTable).get_by_key(binding.current_serial).not_after

    def _after_phone(self, login: SoftTokenLogin, factor: Factor) -> SignInResult:
        uid = login.account.user_id.value
        if login.password_change_required:
            # Manual chapter 3: the first soft token login demands a new password.
            return self._change(uid, "first_login")
        return self._signed_in(uid, ("password", factor), login)

    def poll(self, handle: object) -> SignInResult:
        """Whether the phone answered, without waiting.

        Raises:
            NotFound: ``sign_in_handle_invalid``, ``challenge_not_found``.
            AuthenticationError: ``challenge_declined``, ``challenge_answer_wrong``,
                ``challenge_expired``, ``challenge_used``, ``certificate_revoked``.
        """
        user_id, challenge_id = _parse_handle(handle)
        try:
            login = self._push.check(challenge_id, user_id=user_id)
        except StateError as error:
            if error.code != "challenge_pending":
                raise
            return StillWaiting(handle=_handle(user_id, challenge_id),
                                expires_at=self._expires_at(challenge_id))  # fmt: skip
        return self._after_phone(login, "soft_token")

    def _expires_at(self, challenge_id: str) -> datetime:
        with self._ctx.unit_of_work().reading() as uow:
            return uow.repository(ChallengeTable).get_by_key(challenge_id).expires_at

    def state(self, handle: object) -> str:
        """Where the phone's side stands, without completing anything: ``pending``,
        ``approved``, ``declined``, ``failed`` (wrong picture or code), ``expired``,
        ``superseded`` or ``completed``. For a page's live status (server-sent events);
        the sign-in itself completes only through :meth:`poll`, :meth:`wait` or
        :meth:`offline`.

        Raises:
            NotFound: ``sign_in_handle_invalid``, ``challenge_not_found``.
        """
        user_id, challenge_id = _parse_handle(handle)
        with self._ctx.unit_of_work().reading() as uow:
            challenge = uow.repository(ChallengeTable).get_by_key(challenge_id)
        if challenge.user_id != user_id:
            raise NotFound("challenge_not_found")
        return challenge.state_at(self._ctx.clock.now()).value

    @staticmethod
    def signal_key(handle: object) -> str:
        """What :attr:`signal` is published under when the phone answers ``handle``'s
        challenge (for waiters of another kind: an event loop, a server-sent stream).

        Raises:
            NotFound: ``sign_in_handle_invalid``.
        """
        return _parse_handle(handle)[1]

    def wait(self, handle: object, *, timeout: float = 25.0) -> SignInResult:
        """Block until the phone answers or ``timeout`` seconds pass. An answer stored by
        this process wakes the wait at once; on PostgreSQL so does one stored by any
        process (``LISTEN``/``NOTIFY``); otherwise the storage is read again every
        ``signal.poll_slice``. Raises as :meth:`poll`."""
        _, challenge_id = _parse_handle(handle)
        deadline = time.monotonic() + max(0.0, timeout)
        slice_ = self.signal.poll_slice.total_seconds()
        while True:
            with self.signal.listen(challenge_id) as listener:
                result = self.poll(handle)
                left = deadline - time.monotonic()
                if not isinstance(result, StillWaiting) or left <= 0:
                    return result
                listener.wait(min(slice_, left))

    def offline(self, handle: object, code: object) -> SignInResult:
        """The app's TOTP code instead of the push (a phone without network), when
        ``policy.totp_offline_fallback`` allows it. Closes the push challenge.

        Raises:
            StateError: ``offline_login_not_allowed``.
            NotFound: ``sign_in_handle_invalid``, ``challenge_not_found``.
            AuthenticationError: ``challenge_expired``, ``challenge_used``; ``soft.totp
                .verify``'s errors (``totp_wrong`` counted, ``totp_replayed``).
        """
        ctx = self._ctx
        if not ctx.policy.totp_offline_fallback:
            raise StateError("offline_login_not_allowed")
        user_id, challenge_id = _parse_handle(handle)
        uid = ctx.user_id(user_id).value
        with ctx.unit_of_work().reading() as uow:
            _open_challenge(uow, challenge_id, uid, ctx.clock.now())
        self._totp.verify(uid, code)

        def work(uow: StorageUnitOfWork) -> SoftTokenLogin:
            now = ctx.clock.now()
            table = uow.repository(ChallengeTable)
            table.update(supersede_challenge(_open_challenge(uow, challenge_id, uid, now)))
            bindings = uow.repository(BindingTable)
            binding = bindings.active_for(uid)
            if binding is None:
                raise StateError("soft_token_not_active")
            bindings.update(attrs.evolve(binding, pushes_since_login=0))
            return self._push.complete_in(uow, binding, now, factor="totp", challenge=challenge_id)

        login = ctx.transact(work)
        self.signal.publish(challenge_id)
        return self._after_phone(login, "totp")


def _open_challenge(
    uow: StorageUnitOfWork, challenge_id: str, user_id: str, now: datetime
) -> LoginChallenge:
    """The account's challenge, still waiting for an answer."""
    challenge = uow.repository(ChallengeTable).get_by_key(challenge_id)
    if challenge.user_id != user_id:
        raise NotFound("challenge_not_found")
    state = challenge.state_at(now)
    if state is ChallengeState.EXPIRED:
        raise AuthenticationError("challenge_expired")
    if state is not ChallengeState.PENDING:
        raise AuthenticationError("challenge_used")
    return challenge
