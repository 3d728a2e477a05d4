"""Retention and purge (issue 17 part 3) on every storage adapter: each rule removes a
row once its period has passed and not a second before, keeps rows that still mean
something (failures, locks, unsent mail), audits counts and never content, and two
purgers at once remove each row once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from softtoken import AuthenticationError, RateLimited, ValidationError
from softtoken.testing import TEST_OFFICER, Harness, Person, approve_registration, soft_token_user

from ..helpers.concurrency import race
from ..helpers.registration import make_account, to_awaiting_approval
from ..helpers.service_requests import RECORDER, REVIEWER, form_for, signed_pdf
from ..helpers.storage import new_records

SECOND = timedelta(seconds=1)


def _rows(harness: Harness, table: str) -> int:
    with harness.softtoken.unit_of_work() as uow:
        return len(uow.transaction.select(table))


def _count(value: object) -> int:
    assert isinstance(value, int)
    return value


def _purged(harness: Harness, rule: str) -> int:
    return harness.softtoken.maintenance.purge().deleted[rule]


def _issue_and_use_code(harness: Harness, subject: str) -> None:
    soft = harness.softtoken
    soft.otp.issue("bench", subject, email="someone@example.go.th")
    harness.deliver_mail()
    code = next(word for word in harness.mailbox.messages[-1].text.split() if word.isdigit())
    soft.otp.verify("bench", subject, code)


def test_used_codes_go_after_their_period_and_not_before(harness: Harness) -> None:
    policy = harness.softtoken.policy
    _issue_and_use_code(harness, "used")
    harness.clock.advance(seconds=policy.retention_one_time_codes.total_seconds() - 1)
    assert _purged(harness, "one_time_codes") == 0
    harness.clock.advance(seconds=2)
    assert _purged(harness, "one_time_codes") == 1
    assert _rows(harness, "st_otp_codes") == 0


def test_a_code_row_that_counts_failures_stays(harness: Harness) -> None:
    soft = harness.softtoken
    soft.otp.issue("bench", "guessed", email="someone@example.go.th")
    with pytest.raises(AuthenticationError):
        soft.otp.verify("bench", "guessed", "000000")
    harness.clock.advance(days=400)
    assert _purged(harness, "one_time_codes") == 0
    assert soft.otp.status("bench", "guessed") is not None


def test_form_counters_go_once_idle_and_unlocked(harness: Harness) -> None:
    soft, policy = harness.softtoken, harness.softtoken.policy
    soft.accounts.create(user_id="T05005000000201", first_name="A", last_name="B")
    for _ in range(policy.reset_max_mismatches):
        with pytest.raises((AuthenticationError, RateLimited)):
            soft.password_reset.request(
                "T05005000000201", "1101700207536", "a@example.go.th", client_key="10.0.0.1"
            )
    counters = _rows(harness, "st_attempt_counters")
    assert counters >= 1
    # Locked for reset_lockout: still there however old its last change is.
    harness.clock.advance(seconds=policy.reset_lockout.total_seconds() - 1)
    assert _purged(harness, "attempt_counters") == 0
    harness.clock.advance(
        seconds=policy.retention_attempt_counters.total_seconds()
        - policy.reset_lockout.total_seconds()
    )
    assert _purged(harness, "attempt_counters") == 0  # one second short of the period
    harness.clock.advance(seconds=2)
    assert _purged(harness, "attempt_counters") == counters
    assert _rows(harness, "st_attempt_counters") == 0


def test_challenges_and_activation_secrets_go_after_their_periods(harness: Harness) -> None:
    soft, policy = harness.softtoken, harness.softtoken.policy
    soft_token_user(harness)
    soft.push_login.begin(Person().user_id, Person().password)
    assert _rows(harness, "st_login_challenges") == 1
    assert _rows(harness, "st_activations") == 1
    harness.clock.advance(
        seconds=(policy.challenge_lifetime + policy.retention_challenges).total_seconds() - 1
    )
    assert _purged(harness, "login_challenges") == 0
    harness.clock.advance(seconds=2)
    assert _purged(harness, "login_challenges") == 1
    # The activation secret's period counts from its own expiry (it lives longer than a
    # challenge), so it is still there; an activation lifetime later it goes.
    assert _rows(harness, "st_activations") == 1
    harness.clock.advance(seconds=policy.activation_lifetime.total_seconds())
    assert _purged(harness, "activation_secrets") == 1
    assert _rows(harness, "st_activations") == 0


def test_sent_mail_goes_after_its_period_and_unsent_mail_stays(harness: Harness) -> None:
    soft, policy = harness.softtoken, harness.softtoken.policy
    soft.otp.issue("bench", "sent", email="someone@example.go.th")
    harness.deliver_mail()
    harness.clock.advance(seconds=policy.otp_resend_interval.total_seconds() + 1)
    soft.otp.issue("bench", "sent", email="someone@example.go.th")  # not delivered
    harness.clock.advance(seconds=policy.retention_delivered_mail.total_seconds() - 100)
    assert _purged(harness, "outbox") == 0
    harness.clock.advance(seconds=200)
    assert _purged(harness, "outbox") == 1
    assert _rows(harness, "st_outbox") == 1  # the unsent one waits for its dispatcher


def test_purge_audits_counts_never_content(harness: Harness) -> None:
    _issue_and_use_code(harness, "audited")
    harness.clock.advance(days=2)
    report = harness.softtoken.maintenance.purge()
    assert report.deleted["one_time_codes"] == 1
    assert report.total >= 1
    records = [
        r for r in harness.softtoken.audit.records() if r.entry.action == "maintenance.purge"
    ]
    assert {r.entry.subject for r in records} == {n for n, c in report.deleted.items() if c}
    assert sum(_count(r.entry.details["deleted"]) for r in records) == report.total
    assert all(set(r.entry.details) == {"deleted"} for r in records)
    assert harness.softtoken.audit.verify() > 0


def test_batches_and_two_purgers_at_once_remove_each_row_once(harness: Harness) -> None:
    soft = harness.softtoken
    count = 45
    for n in range(count):
        _issue_and_use_code(harness, f"s{n:03d}")
    harness.clock.advance(days=2)
    before = soft.audit.records()
    results = race([lambda: soft.maintenance.purge(batch_size=7) for _ in range(2)])
    reports = [r for r in results if not isinstance(r, str)]
    assert len(reports) == 2, results
    assert sum(r.deleted["one_time_codes"] for r in reports) == count  # type: ignore[attr-defined]
    assert _rows(harness, "st_otp_codes") == 0
    purge_records = [r for r in new_records(harness, before) if r.entry.subject == "one_time_codes"]
    assert sum(_count(r.entry.details["deleted"]) for r in purge_records) == count
    assert soft.audit.verify() > 0


@pytest.mark.parametrize("batch_size", [0, -1, "5", True, 2.5])
def test_a_bad_batch_size_is_refused_and_removes_nothing(
    harness: Harness, batch_size: object
) -> None:
    _issue_and_use_code(harness, "kept")
    harness.clock.advance(days=2)
    with pytest.raises(ValidationError) as caught:
        harness.softtoken.maintenance.purge(batch_size=batch_size)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_batch_size"
    assert _rows(harness, "st_otp_codes") == 1


@pytest.mark.parametrize("now", ["2026-01-01", 1700000000])
def test_a_bad_time_is_refused(harness: Harness, now: object) -> None:
    with pytest.raises(ValidationError) as caught:
        harness.softtoken.maintenance.purge(now)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_time"


def test_a_naive_time_is_refused(harness: Harness) -> None:
    with pytest.raises(ValidationError) as caught:
        harness.softtoken.maintenance.purge(harness.clock.now().replace(tzinfo=None))
    assert caught.value.code == "invalid_time"


def test_closed_registrations_go_with_their_proofing_after_their_period(harness: Harness) -> None:
    soft, policy = harness.softtoken, harness.softtoken.policy
    make_account(harness)
    registration = to_awaiting_approval(harness)
    soft.registration.reject(registration.registration_id, officer=TEST_OFFICER, reason="test")
    assert _rows(harness, "st_proofings") == 1
    harness.clock.advance(seconds=policy.retention_closed_registrations.total_seconds() - 1)
    report = soft.maintenance.purge()
    assert (report.deleted["closed_registrations"], report.deleted["proofings"]) == (0, 0)
    harness.clock.advance(seconds=2)
    report = soft.maintenance.purge()
    # The proofing went in the same purge: the registration that named it had gone.
    assert (report.deleted["closed_registrations"], report.deleted["proofings"]) == (1, 1)
    assert _rows(harness, "st_registrations") == _rows(harness, "st_proofings") == 0


def test_a_proofing_an_open_registration_names_stays(harness: Harness) -> None:
    make_account(harness)
    to_awaiting_approval(harness)
    harness.clock.advance(days=400)
    assert _purged(harness, "proofings") == 0
    assert _rows(harness, "st_proofings") == 1


def test_closed_service_requests_go_with_their_signed_form(harness: Harness) -> None:
    soft, policy = harness.softtoken, harness.softtoken.policy
    person = Person()
    approve_registration(harness, person)
    documents = _rows(harness, "st_documents")
    requests = soft.service_requests
    request = requests.submit(form_for(person, "forgot_pin"), signed_form=signed_pdf(),
                              officer=RECORDER)  # fmt: skip
    requests.take(request.request_id, officer=REVIEWER)
    requests.reject(request.request_id, officer=REVIEWER, reason="not signed by the head")
    assert _rows(harness, "st_documents") == documents + 1
    harness.clock.advance(seconds=policy.retention_closed_service_requests.total_seconds() - 1)
    assert _purged(harness, "closed_service_requests") == 0
    harness.clock.advance(seconds=2)
    assert _purged(harness, "closed_service_requests") == 1
    assert _rows(harness, "st_service_requests") == 0
    assert _rows(harness, "st_documents") == documents  # the signed form went with it
