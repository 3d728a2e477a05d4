"""Validated value types for the identifiers of the manual.

Each type is built only through ``parse``, which takes what a person typed (spaces,
dashes, lower case) and returns the canonical value, or raises
:class:`~softtoken.errors.ValidationError` naming the field. Nothing else can be raised
for any input string: the hypothesis tests hold every parser to that.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Self

import attrs

from softtoken.accounts import _boundary
from softtoken.errors import ValidationError

__all__ = [
    "CitizenId",
    "DisbursementUnitCode",
    "Email",
    "PhoneNumber",
    "UserId",
    "citizen_id_check_digit",
    "mask_email",
]

_SEPARATORS = re.compile(r"[\s\-]")
_DEFAULT_USER_ID = re.compile(r"[A-Z][0-9]{14}")


def _text(raw: object, field: str, code: str, *, limit: int = 320) -> str:
    """``raw`` as NFKC-normalized, stripped text; the boundary refuses non-strings, huge
    inputs, lone surrogates and control characters (tab and line breaks are spaces
    people type, stripped or refused by each parser's pattern)."""
    checked = _boundary.text(raw, field, max_length=limit, code=code, allow_newlines=True)
    return unicodedata.normalize("NFKC", checked).strip()


def _digits(raw: object, count: int, field: str, code: str) -> str:
    text = _SEPARATORS.sub("", _text(raw, field, code, limit=64))
    # str.isdigit accepts Thai and other digits; the IDs of the manual are ASCII only.
    if len(text) != count or not text.isascii() or not text.isdigit():
        raise ValidationError(code, field=field)
    return text


@attrs.frozen
class UserId:
    """A portal user ID: 15 characters, by default one letter then 14 digits
    (``T05005000000201``). Letters are upper-cased."""

    value: str

    @classmethod
    def parse(
        cls, raw: object, *, pattern: str | re.Pattern[str] = _DEFAULT_USER_ID, length: int = 15
    ) -> Self:
        text = _text(raw, "user_id", "invalid_user_id", limit=64).upper()
        if len(text) != length or not text.isascii() or not re.fullmatch(pattern, text):
            raise ValidationError("invalid_user_id", field="user_id")
        return cls(text)

    def __str__(self) -> str:
        return self.value


def citizen_id_check_digit(first12: str) -> int:
    """The 13th digit of a Thai citizen ID: weights 13..2, then (11 - sum mod 11) mod 10."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


@attrs.frozen
class CitizenId:
    """A 13-digit Thai citizen ID with a valid check digit, stored as digits only."""

    value: str = attrs.field(repr=lambda v: CitizenId(v).masked())

    @classmethod
    def parse(cls, raw: object) -> Self:
        digits = _digits(raw, 13, "citizen_id", "invalid_citizen_id")
        if citizen_id_check_digit(digits[:12]) != int(digits[12]):
            raise ValidationError("invalid_citizen_id", field="citizen_id")
        return cls(digits)

    def formatted(self) -> str:
        """Grouped 1-4-5-2-1 as on the ID card: ``1-2345-67890-12-1``."""
        v = self.value
        return f"{v[0]}-{v[1:5]}-{v[5:10]}-{v[10:12]}-{v[12]}"

    def masked(self) -> str:
        """As the manual shows it, the last three digits hidden: ``2-3456-87383-XX-X``."""
        v = self.value
        return f"{v[0]}-{v[1:5]}-{v[5:10]}-XX-X"

    def __str__(self) -> str:
        return self.value


# Deliberately plain: one @, a dot-atom local part, and a DNS domain. Quoted local parts
# and address literals are legal in RFC 5322 but no government mailbox uses them.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


@attrs.frozen
class Email:
    """An email address, normalized to lower case so that "one email, one citizen ID"
    compares addresses the way people expect. Internationalized domains are kept in
    their ASCII (IDNA) form."""

    value: str

    @classmethod
    def parse(cls, raw: object) -> Self:
        text = _text(raw, "email", "invalid_email")
        local, at, domain = text.rpartition("@")
        if not at or not local or len(local) > 64 or not _LOCAL.fullmatch(local):  # noqa: PLR2004
            raise ValidationError("invalid_email", field="email")
        try:
            domain = domain.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise ValidationError("invalid_email", field="email") from None
        labels = domain.split(".")
        if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):  # noqa: PLR2004
            raise ValidationError("invalid_email", field="email")
        address = f"{local.lower()}@{domain}"
        if len(address) > 254:  # noqa: PLR2004 - RFC 5321 path limit
            raise ValidationError("invalid_email", field="email")
        return cls(address)

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class PhoneNumber:
    """A 10-digit mobile phone number (chapter 7, part 2), digits only."""

    value: str

    @classmethod
    def parse(cls, raw: object, *, digits: int = 10) -> Self:
        text = _text(raw, "phone", "invalid_phone", limit=64)
        if text.startswith("+66"):
            text = "0" + text[3:]
        return cls(_digits(text, digits, "phone", "invalid_phone"))

    def __str__(self) -> str:
        return self.value


def mask_email(address: str) -> str:
    """``somchai.j@cgd.example.go.th`` -> ``so*******@cgd.example.go.th``."""
    local, _, domain = address.partition("@")
    shown = local[:2] if len(local) > 2 else local[:1]  # noqa: PLR2004
    return f"{shown}{'*' * max(1, len(local) - len(shown))}@{domain}"


@attrs.frozen
class DisbursementUnitCode:
    """A 10-digit disbursement unit code (chapter 7, part 1)."""

    value: str

    @classmethod
    def parse(cls, raw: object, *, digits: int = 10) -> Self:
        return cls(_digits(raw, digits, "disbursement_unit", "invalid_disbursement_unit"))

    def __str__(self) -> str:
        return self.value
