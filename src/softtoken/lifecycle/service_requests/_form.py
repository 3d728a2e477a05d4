"""The service request form of manual chapter 7, as a validated record.

The paper form has four parts; the portal (or the officer who types in an emailed form)
gives its fields as one flat mapping:

====================  ===================================================================
part 1, the unit      ``unit_code`` (10 digits), ``unit_name``
part 2, requester     ``first_name``, ``last_name``, ``email`` (the email registered for
                      the soft token; for a change of holder, the new holder's),
                      ``mobile`` (10 digits), ``division`` (optional), ``department``,
                      ``ministry``, ``user_id`` (15 characters)
part 3, the request   ``purpose`` (one check box, :class:`Purpose`; a list of the checked
                      boxes is accepted and must hold exactly one), ``other_text`` (with
                      an "other" box only), ``new_email`` (with "change the registered
                      email" only), ``new_password`` (``"no"``/``"yes"`` or a bool, with a
                      change of holder only) and ``new_password_email`` (with "yes" only)
receipt               ``sent_from``: the email address the signed form came from
part 4, the officer   not typed in: the request record's officer fields
                      (:mod:`softtoken.lifecycle.service_requests.machine`)
====================  ===================================================================

:func:`parse_form` checks every field and every combination and raises one
:class:`ServiceRequestFormInvalid` listing each bad field (Thai and English messages),
or returns a :class:`ServiceRequestForm`. Nothing else is raised, for any input.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from softtoken.accounts._account import validate_name
from softtoken.accounts._identifiers import DisbursementUnitCode, Email, PhoneNumber, UserId
from softtoken.errors import ValidationError
from softtoken.lifecycle.service_requests._purposes import Purpose, PurposeGroup
from softtoken.policy import Policy

__all__ = [
    "FORM_FIELDS",
    "Purpose",
    "PurposeGroup",
    "ServiceRequestForm",
    "ServiceRequestFormInvalid",
    "parse_form",
]

T = TypeVar("T")


#: Every key :func:`parse_form` reads, in the form's order.
FORM_FIELDS = (
    "unit_code",
    "unit_name",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "division",
    "department",
    "ministry",
    "user_id",
    "purpose",
    "other_text",
    "new_email",
    "new_password",
    "new_password_email",
    "sent_from",
)

_TEXT_LIMIT = 200
_OTHER_LIMIT = 1000


class ServiceRequestFormInvalid(ValidationError):
    """The form has one or more bad fields. ``errors`` holds one
    :class:`~softtoken.errors.ValidationError` per bad field (each with its ``field``,
    ``code`` and Thai and English message); ``field`` is the first of them."""

    def __init__(self, errors: tuple[ValidationError, ...]) -> None:
        if not errors:
            msg = "a form error needs at least one field error"
            raise ValueError(msg)
        super().__init__("service_request_form_invalid", field=errors[0].field)
        self.errors = errors

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(e.field for e in self.errors)

    def __str__(self) -> str:
        return "; ".join(str(e) for e in self.errors)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "errors": [e.to_dict() for e in self.errors]}


@attrs.frozen(kw_only=True)
class ServiceRequestForm:
    """A checked form (parts 1 to 3 and where it came from)."""

    unit_code: DisbursementUnitCode
    unit_name: str
    first_name: str
    last_name: str
    email: Email
    mobile: PhoneNumber
    division: str | None
    department: str
    ministry: str
    user_id: UserId
    purpose: Purpose
    other_text: str | None = None
    new_email: Email | None = None
    new_password: bool = False
    new_password_email: Email | None = None
    sent_from: Email

    @property
    def requester_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def to_json(self) -> dict[str, object]:
        def text(value: object) -> str | None:
            return None if value is None else str(value)

        return {
            "unit_code": self.unit_code.value,
            "unit_name": self.unit_name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email.value,
            "mobile": self.mobile.value,
            "division": self.division,
            "department": self.department,
            "ministry": self.ministry,
            "user_id": self.user_id.value,
            "purpose": self.purpose.value,
            "other_text": self.other_text,
            "new_email": text(self.new_email),
            "new_password": self.new_password,
            "new_password_email": text(self.new_password_email),
            "sent_from": self.sent_from.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ServiceRequestForm:
        """Rebuild a stored form (validated when it was submitted; not parsed again)."""

        def opt(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        def email(key: str) -> Email | None:
            value = opt(key)
            return None if value is None else Email(value)

        return cls(
            unit_code=DisbursementUnitCode(str(data["unit_code"])),
            unit_name=str(data["unit_name"]),
            first_name=str(data["first_name"]),
            last_name=str(data["last_name"]),
            email=Email(str(data["email"])),
            mobile=PhoneNumber(str(data["mobile"])),
            division=opt("division"),
            department=str(data["department"]),
            ministry=str(data["ministry"]),
            user_id=UserId(str(data["user_id"])),
            purpose=Purpose(str(data["purpose"])),
            other_text=opt("other_text"),
            new_email=email("new_email"),
            new_password=bool(data.get("new_password")),
            new_password_email=email("new_password_email"),
            sent_from=Email(str(data["sent_from"])),
        )


class _Checker:
    """Collects one error per field while reading the mapping."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data
        self.errors: list[ValidationError] = []

    def fail(self, code: str, field: str) -> None:
        if field not in {e.field for e in self.errors}:
            self.errors.append(ValidationError(code, field=field))

    def present(self, key: str) -> bool:
        value = self.data.get(key)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def parsed(self, key: str, parse: Callable[[object], T], *, required: bool = True) -> T | None:
        """``parse(value)``, its ValidationError renamed to ``key``; "required" if absent."""
        if not self.present(key):
            if required:
                self.fail("required", key)
            return None
        try:
            return parse(self.data[key])
        except ValidationError as error:
            self.fail(error.code, key)
            return None

    def text(self, key: str, *, required: bool = True, limit: int = _TEXT_LIMIT) -> str | None:
        def parse(raw: object) -> str:
            if not isinstance(raw, str) or len(raw) > limit * 4:
                raise ValidationError("invalid_value", field=key)
            text = " ".join(unicodedata.normalize("NFKC", raw).split())
            if not text or len(text) > limit or not text.isprintable():
                raise ValidationError("invalid_value", field=key)
            return text

        return self.parsed(key, parse, required=required)


def _purpose(raw: object) -> Purpose:
    boxes = [raw] if isinstance(raw, str) else raw
    if not isinstance(boxes, list | tuple | set | frozenset):
        raise ValidationError("service_request_purpose_unknown", field="purpose")
    chosen: set[Purpose] = set()
    for box in boxes:
        if not isinstance(box, str) or box.strip().lower() not in Purpose.__members__.values():
            raise ValidationError("service_request_purpose_unknown", field="purpose")
        chosen.add(Purpose(box.strip().lower()))
    if not chosen:
        raise ValidationError("service_request_purpose_required", field="purpose")
    if len(chosen) > 1:
        raise ValidationError("service_request_one_purpose", field="purpose")
    return chosen.pop()


_YES = {"yes", "y", "true", "1", "ต้องการ"}
_NO = {"no", "n", "false", "0", "ไม่ต้องการ"}


def _yes_no(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and len(raw) < 32 and raw.strip().lower() in _YES | _NO:  # noqa: PLR2004
        return raw.strip().lower() in _YES
    raise ValidationError("invalid_value", field="new_password")


def parse_form(data: object, *, policy: Policy) -> ServiceRequestForm:
    """Check a filled-in form (see the module docstring for its keys).

    Raises:
        ServiceRequestFormInvalid: one error per bad field: the identifiers' own codes
            (``invalid_disbursement_unit``, ``invalid_phone``, ``invalid_user_id``,
            ``invalid_email``, ``invalid_name``), ``required``, ``invalid_value``, and for
            part 3 ``service_request_purpose_required``/``_unknown``,
            ``service_request_one_purpose``, ``service_request_other_text_required``/
            ``_unexpected``, ``service_request_new_email_required``/``_unexpected``/
            ``_same``, ``service_request_new_password_choice_required``,
            ``service_request_new_password_needs_holder_change``,
            ``service_request_new_password_email_required``/``_unexpected``.
    """
    if not isinstance(data, Mapping):
        raise ServiceRequestFormInvalid((ValidationError("invalid_value", field="form"),))
    c = _Checker(data)
    digits = policy.disbursement_unit_digits
    unit_code = c.parsed("unit_code", lambda v: DisbursementUnitCode.parse(v, digits=digits))
    unit_name = c.text("unit_name")
    first_name = c.parsed("first_name", lambda v: validate_name(v, "first_name"))
    last_name = c.parsed("last_name", lambda v: validate_name(v, "last_name"))
    email = c.parsed("email", Email.parse)
    mobile = c.parsed("mobile", lambda v: PhoneNumber.parse(v, digits=policy.phone_digits))
    division = c.text("division", required=False)
    department = c.text("department")
    ministry = c.text("ministry")
    user_id = c.parsed(
        "user_id",
        lambda v: UserId.parse(v, pattern=policy.user_id_pattern, length=policy.user_id_length),
    )
    purpose = c.parsed("purpose", _purpose, required=False)
    if not c.present("purpose"):
        c.fail("service_request_purpose_required", "purpose")
    other_text = c.text("other_text", required=False, limit=_OTHER_LIMIT)
    new_email = c.parsed("new_email", Email.parse, required=False)
    new_password = c.parsed("new_password", _yes_no, required=False)
    password_email = c.parsed("new_password_email", Email.parse, required=False)
    sent_from = c.parsed("sent_from", Email.parse)

    if purpose is not None:
        _check_combinations(c, purpose, email, new_email, new_password=new_password)
    if c.errors:
        raise ServiceRequestFormInvalid(tuple(c.errors))
    # Every required field parsed, or its error stopped us above.
    assert unit_code is not None and unit_name is not None  # noqa: S101, PT018
    assert first_name is not None and last_name is not None  # noqa: S101, PT018
    assert email is not None and mobile is not None and user_id is not None  # noqa: S101, PT018
    assert department is not None and ministry is not None  # noqa: S101, PT018
    assert purpose is not None and sent_from is not None  # noqa: S101, PT018
    return ServiceRequestForm(
        unit_code=unit_code,
        unit_name=unit_name,
        first_name=first_name,
        last_name=last_name,
        email=email,
        mobile=mobile,
        division=division,
        department=department,
        ministry=ministry,
        user_id=user_id,
        purpose=purpose,
        other_text=other_text,
        new_email=new_email,
        new_password=bool(new_password),
        new_password_email=password_email,
        sent_from=sent_from,
    )


def _check_combinations(  # noqa: C901 - one line per rule of the form reads best
    c: _Checker,
    purpose: Purpose,
    email: Email | None,
    new_email: Email | None,
    *,
    new_password: bool | None,
) -> None:
    """The rules between the check boxes and the fields that go with them."""
    if purpose.is_other and not c.present("other_text"):
        c.fail("service_request_other_text_required", "other_text")
    if not purpose.is_other and c.present("other_text"):
        c.fail("service_request_other_text_unexpected", "other_text")
    if purpose is Purpose.CHANGE_EMAIL:
        if not c.present("new_email"):
            c.fail("service_request_new_email_required", "new_email")
        elif new_email is not None and new_email == email:
            c.fail("service_request_new_email_same", "new_email")
    elif c.present("new_email"):
        c.fail("service_request_new_email_unexpected", "new_email")
    holder_change = purpose.group is PurposeGroup.CHANGE_OF_HOLDER
    if holder_change and not c.present("new_password"):
        c.fail("service_request_new_password_choice_required", "new_password")
    if not holder_change and new_password:
        c.fail("service_request_new_password_needs_holder_change", "new_password")
    if holder_change and new_password and not c.present("new_password_email"):
        c.fail("service_request_new_password_email_required", "new_password_email")
    if c.present("new_password_email") and not (holder_change and new_password):
        c.fail("service_request_new_password_email_unexpected", "new_password_email")
