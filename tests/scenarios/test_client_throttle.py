"""Issue 13 item 6: throttling by client (NIST SP 800-63B 3.2.2, ASVS 5.0 6.3.1) for push
login, code sends and proofing starts, on every storage adapter. One client spread over
many accounts meets the policy's limit; another client, and the legitimate call, do not;
a refused call changes nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from softtoken import AuthenticationError, Policy, RateLimited
from softtoken.lifecycle.login import SoftTokenChallenge
from softtoken.ports import Storage
from softtoken.testing import Harness, Person, in_memory, soft_token_user
from tests.helpers.otp import registered
from tests.helpers.registration import phone_for, to_confirm_data, to_proofing

WHO = Person()
SPRAY = "203.0.113.50"
OTHER = "198.51.100.1"
STRANGERS = ("T05005000000202", "T05005000000203", "T05005000000204")
CITIZENS = ("1101700207536", "3100600123450")


def _harness(storage: Storage, **policy: object) -> Harness:
    return in_memory(storage=storage, policy=Policy.for_tests(**policy))


def _mails(harness: Harness) -> int:
    harness.deliver_mail()
    return len(harness.mailbox.messages)


# --- push login: failures per client, the count soft.sign_in uses -------------------------


def test_i6_push_login_begin_locks_a_client_failing_across_accounts(storage: Storage) -> None:
    harness = _harness(storage, client_max_failures=3)
    phone = soft_token_user(harness)
    push = harness.softtoken.push_login
    for user in STRANGERS:
        with pytest.raises(AuthenticationError):
            push.begin(user, "Winter2026 is here", client=SPRAY)
    with pytest.raises(RateLimited) as locked:
        push.begin(WHO.user_id, WHO.password, client=SPRAY)
    assert (locked.value.code, locked.value.retry_after) == ("client_locked", 300)
    assert push.pending_for_device(phone.certificate_serial) == []  # nothing was asked
    assert isinstance(push.begin(WHO.user_id, WHO.password, client=OTHER), SoftTokenChallenge)


def test_i6_push_login_offline_locks_a_client_failing_across_accounts(storage: Storage) -> None:
    harness = _harness(storage, client_max_failures=3, totp_offline_fallback=True)
    phone = soft_token_user(harness)
    push = harness.softtoken.push_login
    for user in STRANGERS:
        with pytest.raises(AuthenticationError):
            push.offline(user, "Winter2026 is here", "123456", client=SPRAY)
    code = phone.offline_code(pin=WHO.pin, now=harness.clock.now())
    with pytest.raises(RateLimited) as locked:
        push.offline(WHO.user_id, WHO.password, code, client=SPRAY)
    assert locked.value.code == "client_locked"
    # The refused call did not use the code: another client logs in with it.
    done = push.offline(WHO.user_id, WHO.password, code, client=OTHER)
    assert done.account.user_id.value == WHO.user_id


# --- code sends: a number of sends per window per client -----------------------------------


def test_i6_otp_issue_limits_sends_per_client(storage: Storage) -> None:
    harness = _harness(storage, client_max_code_sends=3)
    otp = harness.softtoken.otp
    for n, user in enumerate(STRANGERS):
        otp.issue("password_reset", user, email=f"u{n}@example.go.th", client=SPRAY)
    sent = _mails(harness)
    with pytest.raises(RateLimited) as limited:
        otp.issue("password_reset", WHO.user_id, email=WHO.email, client=SPRAY)
    assert (limited.value.code, limited.value.retry_after) == ("client_rate_limited", 3600)
    assert _mails(harness) == sent  # nothing was mailed
    otp.issue("password_reset", WHO.user_id, email=WHO.email, client=OTHER)
    otp.issue("password_reset", "T05005000000299", email=WHO.email)  # no client key
    assert _mails(harness) == sent + 2
    harness.clock.advance(timedelta(hours=1))
    otp.issue("password_reset", "T05005000000298", email=WHO.email, client=SPRAY)


def test_i6_registration_send_email_code_limits_sends_per_client(storage: Storage) -> None:
    harness = _harness(storage, client_max_code_sends=2)
    soft = harness.softtoken
    users = ("T05005000000201", "T05005000000202")
    for user, citizen in zip(users, CITIZENS, strict=True):
        soft.accounts.create(user_id=user, first_name="สมชาย", last_name="ใจดี")
        to_confirm_data(harness, user, citizen, phone_for(harness, citizen))
        soft.registration.update_details(user, email=f"{user}@example.go.th")
        soft.registration.send_email_code(user, client=SPRAY)
    sent = _mails(harness)
    harness.clock.advance(timedelta(minutes=5))  # past the per-code resend wait
    with pytest.raises(RateLimited) as limited:
        soft.registration.send_email_code(users[0], client=SPRAY)
    assert limited.value.code == "client_rate_limited"
    assert _mails(harness) == sent
    soft.registration.send_email_code(users[0], client=OTHER)
    assert _mails(harness) == sent + 1


def test_i6_password_reset_request_limits_sends_per_client(storage: Storage) -> None:
    harness = _harness(storage, client_max_code_sends=2)
    reset = harness.softtoken.password_reset
    people = [(STRANGERS[n], CITIZENS[n], f"p{n}@example.go.th") for n in range(2)]
    for user, citizen, email in people:
        registered(harness, user_id=user, citizen_id=citizen, email=email)
        reset.request(user, citizen, email, client=SPRAY)
    sent = _mails(harness)
    harness.clock.advance(timedelta(minutes=5))  # past the per-code resend wait
    for name in ("client", "client_key"):  # the older name is the same key
        with pytest.raises(RateLimited) as limited:
            reset.request(*people[0], **{name: SPRAY})
        assert limited.value.code == "client_rate_limited"
    assert _mails(harness) == sent
    # A mismatch sends nothing and is not a send; another client gets its code.
    with pytest.raises(AuthenticationError):
        reset.request(people[0][0], CITIZENS[1], people[0][2], client=OTHER)
    reset.request(*people[0], client=OTHER)
    assert _mails(harness) == sent + 1


# --- proofing starts ----------------------------------------------------------------------


def test_i6_proofing_begin_limits_starts_per_client(storage: Storage) -> None:
    harness = _harness(storage, client_max_proofing_starts=3)
    proofing = harness.softtoken.proofing
    for n in range(3):
        proofing.begin("document_review", citizen_id=CITIZENS[0], subject=f"r{n}", client=SPRAY)
    with pytest.raises(RateLimited) as limited:
        proofing.begin("document_review", citizen_id=CITIZENS[0], subject="r9", client=SPRAY)
    assert (limited.value.code, limited.value.retry_after) == ("client_rate_limited", 3600)
    started = proofing.begin("document_review", citizen_id=CITIZENS[0], subject="r9", client=OTHER)
    assert proofing.status(started.proofing_id) is not None


def test_i6_registration_begin_proofing_limits_starts_per_client(storage: Storage) -> None:
    harness = _harness(storage, client_max_proofing_starts=2)
    soft = harness.softtoken
    users = ("T05005000000201", "T05005000000202")
    for user, citizen in zip(users, CITIZENS, strict=True):
        soft.accounts.create(user_id=user, first_name="สมชาย", last_name="ใจดี")
        to_proofing(harness, user, citizen)
        soft.registration.begin_proofing(user, client=SPRAY)
    with pytest.raises(RateLimited) as limited:
        soft.registration.begin_proofing(users[0], client=SPRAY)
    assert limited.value.code == "client_rate_limited"
    assert soft.registration.begin_proofing(users[0], client=OTHER).qr_payload is not None


def test_i6_only_an_hmac_of_the_client_key_is_stored(memory_harness: Harness) -> None:
    memory_harness.softtoken.otp.issue("password_reset", WHO.user_id, email=WHO.email, client=SPRAY)
    with memory_harness.softtoken.unit_of_work() as uow:
        rows = uow.transaction.select("st_attempt_counters", [])
    assert rows
    assert SPRAY not in repr(rows)
