"""TOTP (RFC 6238) for the device's offline fallback codes, on pyotp.

Pure functions: a secret, the key URI an authenticator app scans, a code at a time,
and verification with a window of ``policy.totp_window_steps`` steps either side that
returns the matched time step. Replay protection is the caller's record of the last
accepted step: a step is accepted only when it is later than that one, so each step
passes once per account. :class:`TotpService` keeps that record and the failure
counters (the numbers of email codes: 5 wrong then 5 minutes, 100 disables) in storage.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import attrs
import pyotp
from pyotp.exceptions import OTPVerificationError

from softtoken._context import ServiceContext
from softtoken._keys import ServerKeys
from softtoken._log import log_refusal
from softtoken.errors import (
    AuthenticationError,
    NotFound,
    RateLimited,
    SoftTokenError,
    ValidationError,
)
from softtoken.otp._codes import normalize_code
from softtoken.otp._service import Failure, transact_recording
from softtoken.otp._store import TotpCredential, TotpTable
from softtoken.otp._throttle import AttemptCounter, apply_counter_failure, check_counter
from softtoken.policy import Policy
from softtoken.storage._sealed import KeyedSealer

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = [
    "TotpEnrollment",
    "TotpService",
    "generate_totp_secret",
    "hotp_code",
    "totp_code",
    "totp_key_uri",
    "verify_totp",
]

_DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def generate_totp_secret(num_bytes: int = 20) -> str:
    """A random secret, base32 without padding (160 bits by default, RFC 4226 4 R6)."""
    return base64.b32encode(secrets.token_bytes(num_bytes)).decode("ascii").rstrip("=")


def _totp(secret: str, policy: Policy) -> pyotp.TOTP:
    return pyotp.TOTP(
        secret,
        digits=policy.totp_digits,
        digest=_DIGESTS[policy.totp_algorithm],
        interval=policy.totp_period_seconds,
    )


def hotp_code(secret: str, counter: int, *, digits: int = 6, algorithm: str = "SHA1") -> str:
    """The RFC 4226 HOTP value for ``counter`` (used by the test vectors)."""
    return pyotp.HOTP(secret, digits=digits, digest=_DIGESTS[algorithm]).at(counter)


def totp_code(secret: str, at: datetime | int, *, policy: Policy) -> str:
    """The code an authenticator shows at ``at`` (an aware time or Unix seconds)."""
    return _totp(secret, policy).at(at)


def totp_key_uri(secret: str, *, account_name: str, issuer: str, policy: Policy) -> str:
    """The ``otpauth://totp/...`` URI of the Key URI Format, with every parameter
    spelled out (``secret`` base32 without padding, ``issuer``, ``algorithm``,
    ``digits``, ``period``) so no app has to guess a default."""
    label = f"{quote(issuer, safe='')}:{quote(account_name, safe='')}"
    query = urlencode(
        {
            "secret": secret.rstrip("="),
            "issuer": issuer,
            "algorithm": policy.totp_algorithm,
            "digits": policy.totp_digits,
            "period": policy.totp_period_seconds,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def verify_totp(
    secret: str, code: object, *, now: datetime, last_step: int | None, policy: Policy
) -> int:
    """Check a TOTP code at ``now`` within the policy's window.

    Returns:
        The time step the code belongs to; store it as the new ``last_step``.

    Raises:
        ValidationError: ``otp_malformed``.
        AuthenticationError: ``totp_wrong``; ``totp_replayed`` when the code's step is
            not later than ``last_step``.
    """
    typed = normalize_code(code, digits=policy.totp_digits)
    try:
        step = _totp(secret, policy).verify_and_get_timecode(
            typed, for_time=now, valid_window=policy.totp_window_steps
        )
    except OTPVerificationError:
        raise AuthenticationError("totp_wrong") from None
    if last_step is not None and step <= last_step:
        raise AuthenticationError("totp_replayed")
    return step


@attrs.frozen(kw_only=True)
class TotpEnrollment:
    """Shown once, to the device being set up: never stored in clear, never emailed."""

    user_id: str
    secret: str = attrs.field(repr=False)
    uri: str = attrs.field(repr=False)


#: The Key URI Format's issuer is shown as the account's title in authenticator apps;
#: a colon would split its label ("issuer:account"), a control character would reach the
#: app's screen, and 64 characters is more than any app shows.
_ISSUER_MAX = 64


def _issuer(issuer: object) -> str:
    """Raises ``totp_issuer_invalid`` (logged and counted; nothing is written yet)."""
    if (
        not isinstance(issuer, str)
        or not 0 < len(issuer) <= _ISSUER_MAX
        or not issuer.isprintable()
        or ":" in issuer
    ):
        error = ValidationError("totp_issuer_invalid", field="issuer")
        log_refusal("totp.enroll", error)
        raise error
    return issuer


def _totp_key(keys: ServerKeys) -> bytes:
    return bytes.fromhex(keys.mac(keys.otp, "totp-seal/v1"))


class TotpService:
    """Offline fallback codes per account (``soft.totp``)."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context
        self._sealer = KeyedSealer(context.keys, _totp_key, code="audit_chain_broken")

    def enroll(self, user_id: object, *, issuer: str | None = None) -> TotpEnrollment:
        """Give the account a new TOTP secret (any old one stops working).

        Raises:
            NotFound: ``account_not_found``.
            ValidationError: ``totp_issuer_invalid`` (checked before anything is written).
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        # Stricter than the boundary's ``ctx.text`` (the Key URI label): see ``_issuer``.
        label = ctx.portal_name if issuer is None else _issuer(issuer)
        secret = generate_totp_secret()
        sealed = self._sealer.seal(secret.encode(), context=f"totp:{uid.value}".encode())

        def work(uow: StorageUnitOfWork) -> None:
            uow.accounts.get(uid)
            now = ctx.clock.now()
            table = uow.repository(TotpTable)
            old = table.lock(uid.value)
            fresh = TotpCredential(
                user_id=uid.value, sealed_secret=sealed, created_at=now, updated_at=now
            )
            if old is None:
                table.add(fresh)
            else:
                table.update(attrs.evolve(fresh, version=old.version))
            ctx.audit(uow, actor=f"user:{uid.value}", action="totp.enroll", subject=uid.value)

        transact_recording(ctx, work)
        uri = totp_key_uri(secret, account_name=uid.value, issuer=label, policy=ctx.policy)
        return TotpEnrollment(user_id=uid.value, secret=secret, uri=uri)

    def verify(self, user_id: object, code: object) -> int:
        """Check an offline fallback code; returns the accepted time step.

        Raises:
            NotFound: ``totp_not_enrolled``.
            ValidationError: ``otp_malformed``.
            AuthenticationError: ``totp_wrong`` (counted), ``totp_replayed``.
            RateLimited: ``otp_locked`` with ``retry_after``, ``otp_disabled``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        normalize_code(code, digits=ctx.policy.totp_digits)

        def work(uow: StorageUnitOfWork) -> int | Failure[int]:
            now = ctx.clock.now()
            table = uow.repository(TotpTable)
            credential = table.lock(uid.value)
            if credential is None:
                raise NotFound("totp_not_enrolled")
            try:
                _check_credential(credential, now=now)
                secret = self._sealer.open(
                    credential.sealed_secret, context=f"totp:{uid.value}".encode()
                ).decode()
                step = verify_totp(
                    secret, code, now=now, last_step=credential.last_step, policy=ctx.policy
                )
            except SoftTokenError as error:
                raised = error
                if isinstance(error, AuthenticationError):
                    failed, raised = _count_failure(credential, error, now=now, policy=ctx.policy)
                    table.update(failed)
                ctx.audit(uow, actor=f"user:{uid.value}", action="login.totp", subject=uid.value,
                          outcome="failure", factor="totp", reason=raised.code)  # fmt: skip
                return Failure(raised)
            table.update(
                attrs.evolve(
                    credential, last_step=step, failures=0, locked_until=None, updated_at=now
                )
            )
            ctx.audit(
                uow,
                actor=f"user:{uid.value}",
                action="login.totp",
                subject=uid.value,
                factor="totp",
            )
            return step

        return transact_recording(ctx, work)

    def remove(self, user_id: object, *, actor: str = "system") -> bool:
        """Forget the account's TOTP secret; returns whether there was one."""
        ctx = self._ctx
        uid = ctx.user_id(user_id)

        def work(uow: StorageUnitOfWork) -> bool:
            removed = uow.transaction.delete(TotpTable.table, [("user_id", "=", uid.value)]) > 0
            if removed:
                ctx.audit(uow, actor=actor, action="totp.remove", subject=uid.value)
            return removed

        return transact_recording(ctx, work)


def _check_credential(credential: TotpCredential, *, now: datetime) -> None:
    if credential.disabled:
        raise RateLimited("otp_disabled", retry_after=None)
    check_counter(
        AttemptCounter(
            scope="totp", key_mac="", locked_until=credential.locked_until, updated_at=now
        ),
        now=now,
        code="otp_locked",
    )


def _count_failure(
    credential: TotpCredential, error: AuthenticationError, *, now: datetime, policy: Policy
) -> tuple[TotpCredential, SoftTokenError]:
    """A wrong code counts like a wrong email code; a replayed right code does not."""
    if error.code != "totp_wrong":
        return attrs.evolve(credential, updated_at=now), error
    counted = apply_counter_failure(
        AttemptCounter(
            scope="totp",
            key_mac="",
            failures=credential.failures,
            locked_until=credential.locked_until,
            updated_at=now,
        ),
        now=now,
        max_failures=policy.otp_max_attempts,
        lockout=policy.otp_lockout,
    )
    failed = attrs.evolve(
        credential, failures=counted.failures, locked_until=counted.locked_until, updated_at=now
    )
    if counted.failures >= policy.otp_hard_limit:
        return attrs.evolve(failed, disabled=True), RateLimited("otp_disabled", retry_after=None)
    if counted.locked_until != credential.locked_until:
        left = int((policy.otp_lockout).total_seconds())
        return failed, RateLimited("otp_locked", retry_after=left)
    return failed, error
