from __future__ import annotations

import pytest

from softtoken import errors


def test_every_code_has_thai_and_english() -> None:
    for code, (thai, english) in errors.MESSAGES.items():
        assert code == code.lower().replace("-", "_"), code
        assert thai, code
        assert english, code
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in thai), f"{code}: Thai text expected"
        assert english.isascii(), code


def test_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        errors.AuthenticationError("no_such_code")


def test_validation_error_names_field_and_serializes() -> None:
    error = errors.ValidationError("invalid_email", field="email")
    assert error.to_dict() == {
        "code": "invalid_email",
        "message_th": errors.MESSAGES["invalid_email"][0],
        "message_en": errors.MESSAGES["invalid_email"][1],
        "field": "email",
    }
    assert str(error).startswith("email: [invalid_email]")
    assert error.message("en") == errors.MESSAGES["invalid_email"][1]
    assert error.message() == errors.MESSAGES["invalid_email"][0]


def test_rate_limited_carries_retry_after() -> None:
    error = errors.RateLimited("too_many_attempts", retry_after=300)
    assert error.retry_after == 300
    assert error.to_dict()["retry_after"] == 300


def test_password_rejected_lists_each_reason() -> None:
    error = errors.PasswordRejected(("password_too_short", "password_common"))
    assert error.code == "password_rejected"
    assert error.field == "new_password"
    assert error.messages("en") == [
        errors.MESSAGES["password_too_short"][1],
        errors.MESSAGES["password_common"][1],
    ]
    assert errors.PasswordRejected(("password_common",)).code == "password_common"


def test_every_group_is_a_softtoken_error() -> None:
    groups = [
        errors.ValidationError,
        errors.PasswordRejected,
        errors.NotFound,
        errors.Conflict,
        errors.StateError,
        errors.AuthenticationError,
        errors.RateLimited,
        errors.ConcurrencyError,
        errors.DeliveryError,
        errors.StorageUnavailable,
        errors.TamperingDetected,
        errors.ConfigurationError,
    ]
    for group in groups:
        assert issubclass(group, errors.SoftTokenError)
