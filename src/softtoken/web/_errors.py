"""How a library error becomes an HTTP answer: one status per error group, and one JSON
body shape, ``{"error": code, "message": {"th": ..., "en": ...}}`` (plus ``field``,
``retry_after`` or ``reasons`` where the error has them). ``docs/protocol.md`` lists the
table; a phone in any language reads ``error`` and shows ``message``."""

from __future__ import annotations

import json
from typing import Any

import attrs

from softtoken.errors import (
    AuthenticationError,
    ConcurrencyError,
    ConfigurationError,
    Conflict,
    DeliveryError,
    NotFound,
    PasswordRejected,
    RateLimited,
    SoftTokenError,
    StateError,
    StorageUnavailable,
    TamperingDetected,
    ValidationError,
)

__all__ = [
    "ERROR_STATUS",
    "HttpRefusal",
    "Response",
    "error_body",
    "error_response",
    "json_response",
    "status_of",
]

#: Error group -> HTTP status. The first group an error belongs to wins, so a subclass
#: listed before its base keeps its own status. ``AuthenticationError`` is 403, not 401:
#: the device proves itself with a signed message, not an HTTP authentication scheme, so
#: there is no ``WWW-Authenticate`` challenge to send (RFC 9110 15.5.2).
ERROR_STATUS: tuple[tuple[type[SoftTokenError], int], ...] = (
    (PasswordRejected, 400),
    (ValidationError, 400),
    (AuthenticationError, 403),
    (NotFound, 404),
    (Conflict, 409),
    (StateError, 409),
    (RateLimited, 429),
    (TamperingDetected, 500),
    (ConfigurationError, 500),
    (DeliveryError, 502),
    (StorageUnavailable, 503),
    # The service already retried; the caller may try again at once.
    (ConcurrencyError, 503),
)

JSON = "application/json"


@attrs.frozen(kw_only=True)
class Response:
    """What the handler answers: status, headers (lower-case names) and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


class HttpRefusal(SoftTokenError):
    """Refused at the HTTP layer (no such path, wrong method, too large, wrong type),
    before the library saw the request."""

    def __init__(self, code: str, *, status: int, allow: tuple[str, ...] = ()) -> None:
        super().__init__(code)
        self.status = status
        self.allow = allow


def status_of(error: SoftTokenError) -> int:
    """The HTTP status that answers ``error``."""
    if isinstance(error, HttpRefusal):
        return error.status
    for group, status in ERROR_STATUS:
        if isinstance(error, group):
            return status
    return 500


def error_body(error: SoftTokenError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": error.code,
        "message": {"th": error.message_th, "en": error.message_en},
    }
    if isinstance(error, ValidationError):
        body["field"] = error.field
    if isinstance(error, PasswordRejected):
        body["reasons"] = list(error.reasons)
    if isinstance(error, RateLimited):
        body["retry_after"] = error.retry_after
    return body


def json_response(
    status: int,
    content: object,
    extra: tuple[tuple[str, str], ...] = (),
    *,
    cache: str = "no-store",
) -> Response:
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    # Answers carry challenges and certificates for one device: never cached, unless
    # the caller says it is the same for everyone (the pictures).
    headers = (("content-type", JSON), ("cache-control", cache), *extra)
    return Response(status=status, headers=headers, body=body)


def error_response(error: SoftTokenError) -> Response:
    extra: list[tuple[str, str]] = []
    if isinstance(error, RateLimited) and error.retry_after is not None:
        extra.append(("retry-after", str(error.retry_after)))
    if isinstance(error, ConcurrencyError | StorageUnavailable):
        extra.append(("retry-after", "1"))
    if isinstance(error, HttpRefusal) and error.allow:
        extra.append(("allow", ", ".join(error.allow)))
    return json_response(status_of(error), error_body(error), tuple(extra))
