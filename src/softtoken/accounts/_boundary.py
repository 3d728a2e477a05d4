"""The one boundary every public argument crosses (issue 16 item 5).

A portal hands the library whatever arrived on the wire: JSON's ``"\\ud800"`` decodes
to a lone surrogate no encoder accepts, PostgreSQL refuses a NUL in a text column, a
query string gives ``"10"`` where a number belongs. Each service checks its arguments
here, at its entry, so that only :class:`~softtoken.errors.SoftTokenError` leaves a
public call and nothing hostile reaches a hash, a template, an index or the database.
The identifier parsers (``accounts/_identifiers.py``) and the password normalizer use
the same checks. ``tests/reliability/test_hostile_input.py`` is the proof: it feeds
hostile values to every public call found by introspection.
"""

from __future__ import annotations

import re
from typing import TypeVar

from softtoken.errors import ValidationError

__all__ = [
    "COUNT_MAX",
    "IDENTIFIER_MAX_LENGTH",
    "count",
    "has_control",
    "has_lone_surrogate",
    "identifier",
    "instance",
    "optional_text",
    "storable_key",
    "text",
]

T = TypeVar("T")

#: The largest count or offset a call takes: a signed 32-bit SQL ``INTEGER`` holds it
#: on every adapter (SQLite raises ``OverflowError`` past 64 bits, PostgreSQL past 32).
COUNT_MAX = 2**31 - 1
#: Record IDs, provider and template names, handles: the library makes them of at most
#: a few dozen ASCII characters, so anything longer is not one of them.
IDENTIFIER_MAX_LENGTH = 128

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL; NUL among them. Tab, line feed and carriage return are
# allowed where a text may span lines (a reason, a note, an address).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_lone_surrogate(value: str) -> bool:
    """True when ``value`` holds a code point no UTF-8 encoder accepts."""
    return _SURROGATE.search(value) is not None


def has_control(value: str, *, allow_newlines: bool = False) -> bool:
    """True when ``value`` holds NUL or another control character (tab, line feed and
    carriage return pass with ``allow_newlines``)."""
    controls = _CONTROL_BUT_LINES if allow_newlines else _CONTROL
    return controls.search(value) is not None


def text(
    value: object,
    field: str,
    *,
    max_length: int,
    code: str = "invalid_value",
    allow_newlines: bool = False,
) -> str:
    """``value`` itself when it is a string the library can store and show: valid
    Unicode (no lone surrogate), no NUL or other control character (tab and line breaks
    only with ``allow_newlines``), at most ``max_length`` code points.

    Raises:
        ValidationError: ``code`` (``invalid_value`` by default) naming ``field``.
    """
    if not isinstance(value, str) or len(value) > max_length:
        raise ValidationError(code, field=field)
    if has_lone_surrogate(value) or has_control(value, allow_newlines=allow_newlines):
        raise ValidationError(code, field=field)
    return value


def optional_text(
    value: object,
    field: str,
    *,
    max_length: int,
    code: str = "invalid_value",
    allow_newlines: bool = False,
) -> str | None:
    """:func:`text`, or None for None."""
    if value is None:
        return None
    return text(value, field, max_length=max_length, code=code, allow_newlines=allow_newlines)


def identifier(value: object, field: str, *, code: str = "invalid_value") -> str:
    """A record ID, handle or name the library made: :func:`text` of at most
    ``IDENTIFIER_MAX_LENGTH`` characters, not empty, no whitespace at all."""
    checked = text(value, field, max_length=IDENTIFIER_MAX_LENGTH, code=code)
    if not checked or any(c.isspace() for c in checked):
        raise ValidationError(code, field=field)
    return checked


def count(
    value: object,
    field: str,
    *,
    minimum: int = 1,
    maximum: int = COUNT_MAX,
    code: str = "invalid_value",
) -> int:
    """A whole number from ``minimum`` to ``maximum`` (a limit, an offset, a batch
    size); ``True`` and ``"10"`` are not numbers here.

    Raises:
        ValidationError: ``code`` naming ``field``.
    """
    if type(value) is not int or not minimum <= value <= maximum:
        raise ValidationError(code, field=field)
    return value


def storable_key(value: object) -> bool:
    """True when ``value`` could be a stored record's key: a string of valid text
    without control characters, or a 64-bit whole number. A lookup by any other value
    finds nothing, the same answer as an unknown ID, without asking the database (whose
    driver would raise on a surrogate, a NUL on PostgreSQL, or an unhashable type)."""
    if isinstance(value, str):
        return len(value) <= 1024 and not has_lone_surrogate(value) and not has_control(value)  # noqa: PLR2004
    return type(value) is int and -(2**63) <= value < 2**63


def instance(value: object, kind: type[T], field: str, *, code: str = "invalid_value") -> T:
    """``value`` when it is a ``kind`` (a record the library returned earlier: an audit
    checkpoint, a certificate, a password step), else a typed refusal."""
    if not isinstance(value, kind):
        raise ValidationError(code, field=field)
    return value
