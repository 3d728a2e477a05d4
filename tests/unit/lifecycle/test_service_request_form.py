"""The service request form (manual chapter 7, parts 1 to 3): every field and every
combination of check boxes, with field errors in Thai and English, and never any other
exception, whatever is typed into any field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softtoken import Policy, ValidationError
from softtoken.errors import MESSAGES
from softtoken.lifecycle.service_requests._form import (
    FORM_FIELDS,
    ServiceRequestForm,
    ServiceRequestFormInvalid,
    parse_form,
)
from softtoken.lifecycle.service_requests._purposes import Purpose, PurposeGroup

POLICY = Policy.for_tests()
BASE: dict[str, object] = {
    "unit_code": "05005 00000",
    "unit_name": "กรมบัญชีกลาง",
    "first_name": "สมชาย",
    "last_name": "ใจดี",
    "email": "Somchai.J@cgd.example.go.th",
    "mobile": "081-234-5678",
    "division": "กองบริหารการคลัง",
    "department": "กรมบัญชีกลาง",
    "ministry": "กระทรวงการคลัง",
    "user_id": "t05005000000201",
    "purpose": "lost_phone",
    "sent_from": "somchai.j@cgd.example.go.th",
}
#: What each purpose needs besides the base fields.
EXTRAS: dict[Purpose, dict[str, object]] = {
    Purpose.APP_OTHER: {"other_text": "the app crashes at start"},
    Purpose.HOLDER_OTHER: {"other_text": "my surname changed"},
    Purpose.HOLDER_CHANGE_OTHER: {"other_text": "moved position", "new_password": "no"},
    Purpose.CHANGE_EMAIL: {"new_email": "new@cgd.example.go.th"},
    Purpose.HOLDER_RESIGNED: {"new_password": "yes", "new_password_email": "n@example.go.th"},
    Purpose.HOLDER_TRANSFERRED: {"new_password": False},
}


def form(**changes: object) -> dict[str, object]:
    data = {**BASE, **changes}
    return {k: v for k, v in data.items() if v is not None}


def refused(data: object) -> ServiceRequestFormInvalid:
    with pytest.raises(ServiceRequestFormInvalid) as caught:
        parse_form(data, policy=POLICY)
    return caught.value


def codes(error: ServiceRequestFormInvalid) -> dict[str, str]:
    return {e.field: e.code for e in error.errors}


@pytest.mark.parametrize("purpose", list(Purpose))
def test_every_check_box_parses_with_what_it_needs(purpose: Purpose) -> None:
    parsed = parse_form(form(purpose=purpose.value, **EXTRAS.get(purpose, {})), policy=POLICY)
    assert parsed.purpose is purpose
    assert parsed.unit_code.value == "0500500000"
    assert parsed.mobile.value == "0812345678"
    assert parsed.user_id.value == "T05005000000201"
    assert parsed.email.value == "somchai.j@cgd.example.go.th"
    assert parsed.new_password is (purpose is Purpose.HOLDER_RESIGNED)
    assert ServiceRequestForm.from_json(parsed.to_json()) == parsed


def test_the_groups_of_part_3() -> None:
    groups = {g: [p for p in Purpose if p.group is g] for g in PurposeGroup}
    assert len(groups[PurposeGroup.APP_UNUSABLE]) == 3
    assert len(groups[PurposeGroup.EXISTING_HOLDER]) == 4
    assert len(groups[PurposeGroup.CHANGE_OF_HOLDER]) == 3
    assert sum(p.is_other for p in Purpose) == 3
    for purpose in Purpose:
        assert purpose.label("th") != purpose.label("en")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("unit_code", "050050000", "invalid_disbursement_unit"),
        ("unit_code", "05005000001", "invalid_disbursement_unit"),
        ("unit_code", "๐๕๐๐๕๐๐๐๐๐", "invalid_disbursement_unit"),  # Thai digits
        ("mobile", "081234567", "invalid_phone"),
        ("mobile", "08123456789", "invalid_phone"),
        ("user_id", "T0500500000020", "invalid_user_id"),
        ("user_id", "T050050000002011", "invalid_user_id"),
        ("user_id", "505005000000201", "invalid_user_id"),
        ("email", "not an email", "invalid_email"),
        ("sent_from", "x@", "invalid_email"),
        ("first_name", "\x00", "invalid_name"),
        ("unit_name", "x" * 201, "invalid_value"),
        ("department", "", "required"),
        ("ministry", None, "required"),
        ("unit_code", 500500000, "invalid_disbursement_unit"),
        ("purpose", "", "service_request_purpose_required"),
        ("purpose", [], "service_request_purpose_required"),
        ("purpose", None, "service_request_purpose_required"),
        ("purpose", "reset_everything", "service_request_purpose_unknown"),
        ("purpose", 7, "service_request_purpose_unknown"),
        ("purpose", ["lost_phone", "change_phone"], "service_request_one_purpose"),
    ],
)
def test_bad_fields_are_named(field: str, value: object, code: str) -> None:
    error = refused(form(**{field: value}) if value is not None else _without(field))
    assert codes(error)[field] == code
    assert error.code == "service_request_form_invalid"
    for each in error.errors:
        thai, english = MESSAGES[each.code]
        assert each.message("th") == thai
        assert each.message("en") == english
        assert thai != english


def _without(field: str) -> dict[str, object]:
    return {k: v for k, v in BASE.items() if k != field}


def test_the_same_box_twice_is_one_purpose() -> None:
    assert parse_form(form(purpose=["lost_phone", "LOST_PHONE "]), policy=POLICY).purpose is (
        Purpose.LOST_PHONE
    )


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"purpose": "app_other"}, "other_text", "service_request_other_text_required"),
        ({"other_text": "why not"}, "other_text", "service_request_other_text_unexpected"),
        ({"purpose": "change_email"}, "new_email", "service_request_new_email_required"),
        (
            {"purpose": "change_email", "new_email": "SOMCHAI.J@cgd.example.go.th"},
            "new_email",
            "service_request_new_email_same",
        ),
        ({"new_email": "a@example.go.th"}, "new_email", "service_request_new_email_unexpected"),
        (
            {"purpose": "holder_resigned"},
            "new_password",
            "service_request_new_password_choice_required",
        ),
        (
            {"new_password": "yes"},
            "new_password",
            "service_request_new_password_needs_holder_change",
        ),
        (
            {"purpose": "holder_resigned", "new_password": "yes"},
            "new_password_email",
            "service_request_new_password_email_required",
        ),
        (
            {"new_password_email": "a@example.go.th"},
            "new_password_email",
            "service_request_new_password_email_unexpected",
        ),
        (
            {
                "purpose": "holder_transferred",
                "new_password": "no",
                "new_password_email": "a@example.go.th",
            },
            "new_password_email",
            "service_request_new_password_email_unexpected",
        ),
        (
            {"purpose": "holder_transferred", "new_password": "maybe"},
            "new_password",
            "invalid_value",
        ),
    ],
)
def test_invalid_combinations(changes: dict[str, object], field: str, code: str) -> None:
    assert codes(refused(form(**changes)))[field] == code


def test_every_bad_field_is_listed_at_once() -> None:
    error = refused(form(unit_code="1", mobile="2", user_id="3", purpose="nothing"))
    assert error.fields == ("unit_code", "mobile", "user_id", "purpose")
    assert error.field == "unit_code"
    assert [e["field"] for e in error.to_dict()["errors"]] == list(error.fields)  # type: ignore[attr-defined]


@pytest.mark.parametrize("data", [None, "form", 3, ["unit_code"]])
def test_not_a_mapping(data: object) -> None:
    assert refused(data).fields == ("form",)


def test_a_form_error_needs_a_field_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ServiceRequestFormInvalid(())


# --- any input, any field ----------------------------------------------------------------

_ANYTHING = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=12), max_size=3),
    st.binary(max_size=20),
)


@settings(max_examples=600, deadline=None)
@given(field=st.sampled_from(FORM_FIELDS), value=_ANYTHING, purpose=st.sampled_from(list(Purpose)))
def test_any_value_in_any_field_is_a_named_field_error(
    field: str, value: object, purpose: Purpose
) -> None:
    data: dict[str, Any] = {**BASE, "purpose": purpose.value, **EXTRAS.get(purpose, {})}
    data[field] = value
    try:
        parse_form(data, policy=POLICY)
    except ServiceRequestFormInvalid as error:
        assert field in error.fields or _dependent(field, error.fields)
        assert all(isinstance(e, ValidationError) and e.code in MESSAGES for e in error.errors)
        assert len(set(error.fields)) == len(error.fields)


def _dependent(field: str, fields: tuple[str, ...]) -> bool:
    # Changing the purpose (or the new-password choice) makes the fields that go with the
    # old one wrong, and those are the ones named.
    linked = {"other_text", "new_email", "new_password", "new_password_email"}
    return field in {"purpose", "new_password", "email"} and bool(set(fields) & linked)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.sampled_from(FORM_FIELDS), _ANYTHING, max_size=len(FORM_FIELDS)))
def test_any_mapping_parses_or_names_fields_of_the_form(data: dict[str, object]) -> None:
    try:
        parse_form(data, policy=POLICY)
    except ServiceRequestFormInvalid as error:
        assert set(error.fields) <= set(FORM_FIELDS)
