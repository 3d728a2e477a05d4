"""The identifier parsers: valid values pass in every accepted spelling; any other input
raises ValidationError naming the field, never another exception."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softtoken import CitizenId, DisbursementUnitCode, Email, PhoneNumber, UserId, ValidationError
from softtoken.accounts import citizen_id_check_digit

twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


def valid_citizen_id(first12: str) -> str:
    return first12 + str(citizen_id_check_digit(first12))


@given(twelve_digits)
def test_generated_citizen_ids_pass_in_every_spelling(first12: str) -> None:
    value = valid_citizen_id(first12)
    spaced = f"{value[0]} {value[1:5]} {value[5:10]} {value[10:12]} {value[12]}"
    dashed = CitizenId(value).formatted()
    for spelling in (value, spaced, dashed, f"  {dashed}  "):
        assert CitizenId.parse(spelling).value == value


@given(twelve_digits, st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_refused(first12: str, offset: int) -> None:
    good = citizen_id_check_digit(first12)
    bad = first12 + str((good + offset) % 10)
    with pytest.raises(ValidationError) as caught:
        CitizenId.parse(bad)
    assert caught.value.field == "citizen_id"
    assert caught.value.code == "invalid_citizen_id"


def test_known_citizen_id_and_its_masked_form() -> None:
    # 1-1017-00207-53-6: weights 13..2 give 174; (11 - 174 % 11) % 10 = 6.
    cid = CitizenId.parse("1-1017-00207-53-6")
    assert cid.value == "1101700207536"
    assert cid.masked() == "1-1017-00207-XX-X"
    assert "53" not in repr(cid)


def test_thai_digits_are_not_citizen_id_digits() -> None:
    with pytest.raises(ValidationError):
        CitizenId.parse("๑๑๐๑๗๐๐๒๐๗๕๓๖")


@given(st.one_of(st.text(max_size=40), st.binary(max_size=20), st.integers(), st.none()))
def test_any_input_gives_a_citizen_id_or_a_validation_error(raw: object) -> None:
    try:
        parsed = CitizenId.parse(raw)
    except ValidationError as error:
        assert error.field == "citizen_id"
    else:
        assert len(parsed.value) == 13
        assert citizen_id_check_digit(parsed.value[:12]) == int(parsed.value[12])


@given(st.from_regex(r"[A-Za-z][0-9]{14}", fullmatch=True))
def test_user_ids_of_the_manual_pass_upper_cased(raw: str) -> None:
    assert UserId.parse(raw).value == raw.upper()


@given(st.text(max_size=40))
def test_any_string_gives_a_user_id_or_a_validation_error(raw: str) -> None:
    try:
        parsed = UserId.parse(raw)
    except ValidationError as error:
        assert error.code == "invalid_user_id"
    else:
        assert len(parsed.value) == 15


@pytest.mark.parametrize(
    "raw", ["T0500500000020", "T050050000002011", "05005000000201X", "TT5005000000201", ""]
)
def test_user_id_length_and_shape(raw: str) -> None:
    with pytest.raises(ValidationError):
        UserId.parse(raw)


def test_user_id_pattern_is_configurable() -> None:
    assert UserId.parse("AB1234567890123", pattern=r"[A-Z]{2}[0-9]{13}").value == "AB1234567890123"
    with pytest.raises(ValidationError):
        UserId.parse("T05005000000201", pattern=r"[A-Z]{2}[0-9]{13}")


@given(st.emails())
def test_generated_emails_pass_and_compare_case_insensitively(raw: str) -> None:
    try:
        parsed = Email.parse(raw)
    except ValidationError:
        # hypothesis also makes legal-but-unusual forms we refuse on purpose
        # (quoted strings are never generated; long labels and odd TLDs can be).
        return
    assert parsed == Email.parse(raw.upper())
    assert parsed.value == parsed.value.lower()


@given(st.text(max_size=80))
def test_any_string_gives_an_email_or_a_validation_error(raw: str) -> None:
    try:
        parsed = Email.parse(raw)
    except ValidationError as error:
        assert error.field == "email"
    else:
        assert parsed.value.count("@") >= 1


@pytest.mark.parametrize(
    "raw",
    ["no-at-sign", "a@b", "@example.com", "a@-bad-.com", "a..b@example.com", "a@ex ample.com"],
)
def test_malformed_emails(raw: str) -> None:
    with pytest.raises(ValidationError):
        Email.parse(raw)


def test_international_domain_is_kept_in_ascii() -> None:
    assert Email.parse("user@ตัวอย่าง.ไทย").value.endswith(".xn--o3cw4h")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_ten_digit_phone_and_unit_code(digits: str) -> None:
    assert PhoneNumber.parse(f"{digits[:3]}-{digits[3:6]}-{digits[6:]}").value == digits
    assert DisbursementUnitCode.parse(digits).value == digits


@given(st.text(alphabet="0123456789", max_size=14).filter(lambda s: len(s) != 10))
def test_other_digit_counts_are_refused(digits: str) -> None:
    with pytest.raises(ValidationError) as phone:
        PhoneNumber.parse(digits)
    assert phone.value.field == "phone"
    with pytest.raises(ValidationError) as unit:
        DisbursementUnitCode.parse(digits)
    assert unit.value.field == "disbursement_unit"


@given(st.one_of(st.text(max_size=30), st.integers(), st.none(), st.lists(st.text())))
def test_phone_and_unit_parsers_raise_only_validation_errors(raw: object) -> None:
    for parse in (PhoneNumber.parse, DisbursementUnitCode.parse):
        with contextlib.suppress(ValidationError):
            parse(raw)


def test_thai_international_prefix_becomes_a_local_number() -> None:
    assert PhoneNumber.parse("+66812345678").value == "0812345678"


def test_digit_counts_follow_the_policy_argument() -> None:
    assert DisbursementUnitCode.parse("12345678901", digits=11).value == "12345678901"
