"""Issue 16 item 5, finding by finding, on every storage adapter: each hostile value is a
typed refusal that leaves storage unchanged, and the legitimate call still works."""

from __future__ import annotations

import pytest

from softtoken.errors import (
    AuthenticationError,
    NotFound,
    PasswordRejected,
    ValidationError,
)
from softtoken.testing import Harness, sample_pdf

from ..helpers.registration import CITIZEN, FIRST, LAST, make_account, to_proofing
from ..helpers.registration import USER as APPLICANT

USER = "T05005000000201"
PASSWORD = "correct horse battery staple"
NEW = "an entirely new pass phrase"


def _account(harness: Harness) -> None:
    soft = harness.softtoken
    soft.accounts.create(
        user_id=USER, first_name="Somchai", last_name="Jaidee", email="somchai@example.go.th"
    )
    temporary = soft.accounts.issue_temporary_password(USER)
    soft.login.change_password(
        USER, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )


def test_i5_lone_surrogate_password_is_a_counted_wrong_password(harness: Harness) -> None:
    """JSON's "\\ud800" at the login: a wrong password, counted, not UnicodeEncodeError."""
    _account(harness)
    soft = harness.softtoken
    with pytest.raises(AuthenticationError) as refused:
        soft.login.password(USER, "\ud800")
    assert refused.value.code == "login_failed"
    assert soft.accounts.get(USER).failed_logins == 1
    assert soft.login.password(USER, PASSWORD).account.user_id.value == USER


def test_i5_lone_surrogate_new_password_is_rejected_before_hashing(harness: Harness) -> None:
    _account(harness)
    soft = harness.softtoken
    before = soft.accounts.get(USER).password_hash
    with pytest.raises(PasswordRejected) as refused:
        soft.login.change_password(
            USER,
            current_password=PASSWORD,
            new_password=NEW + "\ud800",
            confirm_password=NEW + "\ud800",
        )
    assert "password_invalid_characters" in refused.value.reasons
    assert soft.accounts.get(USER).password_hash == before
    soft.login.change_password(
        USER, current_password=PASSWORD, new_password=NEW, confirm_password=NEW
    )


@pytest.mark.parametrize("hostile", ["a\x00b", "\ud800", {"a": 1}, 10**100])
def test_i5_lookup_by_hostile_id_is_not_found(harness: Harness, hostile: object) -> None:
    """NUL (a DataError on PostgreSQL), a surrogate, a dict, a huge int: no such record."""
    soft = harness.softtoken
    for lookup in (soft.registration.get, soft.service_requests.get, soft.proofing.get):
        with pytest.raises(NotFound):
            lookup(hostile)  # type: ignore[arg-type]


def test_i5_unknown_template_is_a_validation_error(harness: Harness) -> None:
    soft = harness.softtoken
    with pytest.raises(ValidationError) as refused:
        soft.otp.issue("registration", USER, email="a@example.go.th", template="no_such")
    assert (refused.value.code, refused.value.field) == ("unknown_template", "template")
    assert soft.mail.pending() == []
    soft.otp.issue("registration", USER, email="a@example.go.th")
    assert len(soft.mail.pending()) == 1


def test_i5_string_limit_is_a_validation_error(harness: Harness) -> None:
    _account(harness)
    soft = harness.softtoken
    for hostile in ("10", 1.5, True, -1, 10**100):
        with pytest.raises(ValidationError) as refused:
            soft.accounts.list(limit=hostile)  # type: ignore[arg-type]
        assert refused.value.field == "limit"
    assert [a.user_id.value for a in soft.accounts.list(limit=10)] == [USER]


@pytest.mark.parametrize("hostile", ["\ud800", "a\x00b", "a\x1bb", "x" * 1001])
def test_i5_officer_and_actor_text_refused_before_commit(harness: Harness, hostile: str) -> None:
    """Free text that reaches the audit log is refused in the unit of work, not by the
    database's encoder at commit; nothing is written."""
    _account(harness)
    soft = harness.softtoken
    before = soft.accounts.get(USER).password_hash
    records = len(soft.audit.records())
    with pytest.raises(ValidationError) as refused:
        soft.accounts.issue_temporary_password(USER, actor=hostile)
    assert refused.value.field == "actor"
    assert soft.accounts.get(USER).password_hash == before
    assert len(soft.audit.records()) == records
    with pytest.raises(ValidationError):
        soft.totp.enroll(USER, issuer=hostile)


@pytest.mark.parametrize("hostile", ["\ud800", "a\x00b", 7])
def test_i5_hostile_client_key_is_a_validation_error(harness: Harness, hostile: object) -> None:
    _account(harness)
    soft = harness.softtoken
    with pytest.raises(ValidationError) as refused:
        soft.sign_in.begin(USER, PASSWORD, client=hostile)  # type: ignore[arg-type]
    assert refused.value.field == "client"
    assert soft.sign_in.begin(USER, PASSWORD, client="203.0.113.9").kind


@pytest.mark.parametrize("hostile", ["\ud800", "a\x00b", 7])
def test_officer_names_stay_refused_before_commit(harness: Harness, hostile: object) -> None:
    """A guard, not a finding: the names an officer confirms were already refused
    (``invalid_name``) before anything was written; the review stays open for the
    right names."""
    soft = harness.softtoken
    make_account(harness)
    to_proofing(harness)
    challenge = soft.registration.begin_proofing(APPLICANT, provider="document_review")
    soft.proofing.submit_documents(
        challenge.proofing_id,
        id_card_copy=sample_pdf(title="ID card"),
        signed_letter=sample_pdf(title="Letter"),
    )
    with pytest.raises(ValidationError) as refused:
        soft.proofing.confirm_documents(
            challenge.proofing_id,
            officer="cgd02",
            citizen_id=CITIZEN,
            first_name=hostile,  # type: ignore[arg-type]
            last_name=LAST,
        )
    assert (refused.value.code, refused.value.field) == ("invalid_name", "first_name")
    assert [r.proofing_id for r in soft.proofing.awaiting_review()] == [challenge.proofing_id]
    soft.proofing.confirm_documents(
        challenge.proofing_id, officer="cgd02", citizen_id=CITIZEN, first_name=FIRST, last_name=LAST
    )
