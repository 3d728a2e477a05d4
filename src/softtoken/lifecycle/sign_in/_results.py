"""What ``soft.sign_in`` answers: one frozen record per next step, so a portal can
``match`` on the type. Each carries a ``kind`` string too, for templates and JSON."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import attrs

from softtoken.lifecycle.renewal import RenewalStart
from softtoken.protocol import Picture

__all__ = [
    "ChangePassword",
    "Locked",
    "RenewalRequired",
    "SecondFactorRequired",
    "SignInResult",
    "SignedIn",
    "StillWaiting",
]

Factor = Literal["password", "soft_token", "totp"]


@attrs.frozen(kw_only=True)
class SignedIn:
    """The person is authenticated. What a session needs: who, when, how (factors and
    the NIST SP 800-63B assurance level) and until when (the re-authentication
    deadlines of the policy for that level)."""

    user_id: str
    authenticated_at: datetime
    factors: tuple[Factor, ...]
    #: 1 for a password alone, 2 for a password and the soft token (or its TOTP code).
    aal: int
    #: Re-authenticate at the latest then, whatever the activity (r3 4.1.3 / 4.2.3).
    reauthenticate_by: datetime
    #: End the session after this long without activity; None where the level sets none.
    idle_timeout: timedelta | None
    #: Manual chapter 6: at most ``renewal_notice_days`` left: "Continue" or "Renew".
    renewal_notice: bool = False
    certificate_days_left: int | None = None
    kind: Literal["authenticated"] = "authenticated"

    def session_valid(self, *, last_activity: datetime, now: datetime) -> bool:
        """Whether a session built on this sign-in may still serve a request at ``now``
        when its previous request was at ``last_activity``."""
        if now >= self.reauthenticate_by:
            return False
        return self.idle_timeout is None or now - last_activity < self.idle_timeout


@attrs.frozen(kw_only=True)
class ChangePassword:
    """Manual chapters 3 and 4: the password must change before anything else; then the
    person signs in again. ``rules`` are the lines to show beside the new-password field
    (Thai, English)."""

    user_id: str
    #: ``temporary_password`` (an initial or reset password) or ``first_login``.
    reason: str
    rules_th: tuple[str, ...]
    rules_en: tuple[str, ...]
    kind: Literal["change_password"] = "change_password"


@attrs.frozen(kw_only=True)
class SecondFactorRequired:
    """The phone was asked. The computer shows ``picture`` (and in ``enter`` mode
    ``code``, which the person types on the phone); the portal keeps ``handle`` in its
    server-side session and calls ``wait(handle)`` or ``offline(handle, code)``."""

    handle: str = attrs.field(repr=False)
    user_id: str
    mode: str
    picture: Picture
    code: str | None = attrs.field(repr=False)
    expires_at: datetime
    #: Whether the page may offer "no network on the phone? type the app's code".
    offline_allowed: bool
    kind: Literal["second_factor_required"] = "second_factor_required"


@attrs.frozen(kw_only=True)
class StillWaiting:
    """``wait`` timed out and the phone has not answered; wait again until
    ``expires_at``."""

    handle: str = attrs.field(repr=False)
    expires_at: datetime
    kind: Literal["waiting"] = "waiting"


@attrs.frozen(kw_only=True)
class RenewalRequired:
    """Manual chapter 6: the certificate expired, so sign-in goes through renewal. The
    renewal was begun after this password step: the app shows "Update Profile"; the page
    polls ``soft.renewal.check(renewal.renewal_id, user_id=...)``, then the person signs
    in again."""

    user_id: str
    renewal: RenewalStart
    expired_at: datetime
    kind: Literal["renewal_required"] = "renewal_required"


@attrs.frozen(kw_only=True)
class Locked:
    """Too many tries: ``login_locked`` (wrong passwords) or ``too_many_pushes``;
    ``retry_after`` in seconds, or None when only an officer can lift it."""

    code: str
    retry_after: int | None
    kind: Literal["locked"] = "locked"


SignInResult = (
    SignedIn | ChangePassword | SecondFactorRequired | StillWaiting | RenewalRequired | Locked
)
