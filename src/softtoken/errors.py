"""Every error softtoken raises, in one tree.

::

    SoftTokenError                  base; never raised itself
    ├── ValidationError             bad input; ``field`` names the input
    │   └── PasswordRejected        the password rules said no; ``reasons`` lists why
    ├── NotFound                    no such record
    ├── Conflict                    the record exists already, or belongs to someone else
    ├── StateError                  right input, wrong step for this record
    ├── AuthenticationError         a secret did not match, or has expired
    ├── RateLimited                 too many tries or too soon; ``retry_after`` in seconds
    ├── ConcurrencyError            another call changed the record first; retry the call
    │   └── Busy                    still losing after every retry: try again in a moment
    ├── DeliveryError               a mail or push could not be handed to its server
    ├── StorageUnavailable          the database could not be reached
    ├── ProviderUnavailable         an outside service (an identity provider) did not answer
    ├── TamperingDetected           a hash chain or signature over stored data is broken
    └── ConfigurationError          the deployment's settings are unusable

Each error carries a stable machine ``code`` (snake case, never renumbered, listed in
``MESSAGES``) and a human message in Thai and in English. Portals show
``error.message(lang)``; logs and APIs use ``error.code``. Verification functions raise
on failure: none of them returns a bare ``False``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from softtoken._messages import MESSAGES as _CATALOGUE

__all__ = [
    "MESSAGES",
    "AuthenticationError",
    "Busy",
    "ConcurrencyError",
    "ConfigurationError",
    "Conflict",
    "DeliveryError",
    "Language",
    "NotFound",
    "PasswordRejected",
    "ProviderUnavailable",
    "RateLimited",
    "SoftTokenError",
    "StateError",
    "StorageUnavailable",
    "TamperingDetected",
    "ValidationError",
]

Language = Literal["th", "en"]

#: code -> (Thai, English), every code softtoken raises (the catalogue by area is in
#: ``softtoken/_messages/``). The codes are part of the public API: add, never rename.
MESSAGES = _CATALOGUE


class SoftTokenError(Exception):
    """The base of every softtoken error; catch it to catch them all. Never raised itself."""

    default_code: ClassVar[str] = "invalid_value"

    def __init__(self, code: str | None = None, *, detail: str | None = None) -> None:
        self.code: str = code or self.default_code
        if self.code not in MESSAGES:
            msg = f"unknown error code {self.code!r}: add it to softtoken.errors.MESSAGES"
            raise KeyError(msg)
        #: Extra words for developers and logs (English). Never a secret.
        self.detail = detail
        super().__init__(self.code)

    @property
    def message_th(self) -> str:
        return MESSAGES[self.code][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.code][1]

    def message(self, lang: Language = "th") -> str:
        """The human message in ``lang`` (Thai by default, as the manual's screens)."""
        return self.message_th if lang == "th" else self.message_en

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message_en}"
        return f"{text} ({self.detail})" if self.detail else text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form for a portal's API responses."""
        return {"code": self.code, "message_th": self.message_th, "message_en": self.message_en}


class ValidationError(SoftTokenError):
    """An input was malformed. ``field`` names the input as the public API calls it."""

    default_code = "invalid_value"

    def __init__(self, code: str | None = None, *, field: str, detail: str | None = None) -> None:
        super().__init__(code, detail=detail)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {super().__str__()}"

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "field": self.field}


class PasswordRejected(ValidationError):
    """A new password broke one or more rules. ``reasons`` are error codes, one per rule."""

    default_code = "password_rejected"

    def __init__(self, reasons: tuple[str, ...], *, field: str = "new_password") -> None:
        super().__init__(reasons[0] if len(reasons) == 1 else "password_rejected", field=field)
        for reason in reasons:
            if reason not in MESSAGES:
                msg = f"unknown password rule code {reason!r}"
                raise KeyError(msg)
        self.reasons = reasons

    def messages(self, lang: Language = "th") -> list[str]:
        """One message per broken rule, for the form to list under the field."""
        return [MESSAGES[r][0 if lang == "th" else 1] for r in self.reasons]

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "reasons": list(self.reasons)}


class NotFound(SoftTokenError):
    default_code = "record_not_found"


class Conflict(SoftTokenError):
    default_code = "record_exists"


class StateError(SoftTokenError):
    default_code = "wrong_step"


class AuthenticationError(SoftTokenError):
    default_code = "invalid_credentials"


class RateLimited(SoftTokenError):
    """Too many tries or too soon. ``retry_after`` is whole seconds, or None when only an
    officer can lift the limit."""

    default_code = "too_many_attempts"

    def __init__(
        self, code: str | None = None, *, retry_after: int | None, detail: str | None = None
    ) -> None:
        super().__init__(code, detail=detail)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class ConcurrencyError(SoftTokenError):
    """Another call changed the same record first. Nothing was written; retry the call."""

    default_code = "concurrent_update"


class Busy(ConcurrencyError):
    """The call lost its race on every attempt the policy allows
    (``policy.transaction_attempts``, with jittered pauses between them). Nothing was
    written. Ask the person to try again in a moment (an API answers 503 with
    Retry-After). A subclass of :class:`ConcurrencyError`, so code that catches the group
    still does."""

    default_code = "busy_try_again"


class DeliveryError(SoftTokenError):
    default_code = "delivery_failed"


class StorageUnavailable(SoftTokenError):
    default_code = "storage_unavailable"


class ProviderUnavailable(SoftTokenError):
    """An outside service the call needs (an identity provider) could not be reached or
    answered with a server error. Nothing was changed (a refused answer is audited); try
    again later."""

    default_code = "proofing_provider_unavailable"


class TamperingDetected(SoftTokenError):
    default_code = "audit_chain_broken"


class ConfigurationError(SoftTokenError):
    default_code = "invalid_configuration"
