"""``soft.sign_in``: one entry point for the login page, on every storage adapter."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import softtoken._facade
from softtoken import AuthenticationError, Policy, StateError, ValidationError
from softtoken.authenticator import Device
from softtoken.lifecycle.sign_in import (
    AnswerSignal,
    ChangePassword,
    Locked,
    RenewalRequired,
    SecondFactorRequired,
    SignedIn,
    StillWaiting,
)
from softtoken.ports import Storage
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, Person, in_memory, soft_token_user

WHO = Person()


@pytest.fixture(autouse=True)
def _close_signals(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stop the LISTEN threads of the PostgreSQL tests with them, before the test
    database is dropped under them."""
    made: list[AnswerSignal] = []
    chooser = softtoken._facade._answer_signal_for

    def recording(storage: Storage) -> AnswerSignal:
        made.append(chooser(storage))
        return made[-1]

    monkeypatch.setattr(softtoken._facade, "_answer_signal_for", recording)
    yield
    for signal in made:
        close = getattr(signal, "close", None)
        if close is not None:
            close()


PASSWORD_USER = "P05005000000301"
LONG_PASSWORD = "correct horse battery staple"


def _password_account(harness: Harness, *, change_done: bool = True) -> str:
    soft = harness.softtoken
    soft.accounts.create(user_id=PASSWORD_USER, first_name="Malee", last_name="Suksai")
    temporary = soft.accounts.issue_temporary_password(PASSWORD_USER)
    if not change_done:
        return temporary
    soft.accounts.change_password(
        PASSWORD_USER,
        current_password=temporary,
        new_password=LONG_PASSWORD,
        confirm_password=LONG_PASSWORD,
    )
    return LONG_PASSWORD


def _second_factor(harness: Harness) -> SecondFactorRequired:
    result = harness.softtoken.sign_in.begin(WHO.user_id, WHO.password, client="203.0.113.9")
    assert isinstance(result, SecondFactorRequired)
    return result


def _approve(harness: Harness, phone: Device, started: SecondFactorRequired) -> None:
    [item] = harness.softtoken.push_login.pending_for_device(phone.certificate_serial)
    harness.softtoken.push_login.respond(phone.approve(item, answer=started.code, pin=WHO.pin))


def test_password_account_signs_in_at_aal1(storage: Storage) -> None:
    harness = in_memory(storage=storage)
    password = _password_account(harness)
    result = harness.softtoken.sign_in.begin(PASSWORD_USER, password)
    match result:
        case SignedIn(aal=1, factors=("password",)):
            now = harness.clock.now()
            assert result.authenticated_at == now
            assert result.reauthenticate_by == now + timedelta(days=30)
            assert result.idle_timeout is None
        case _:
            pytest.fail(f"not signed in: {result}")


def test_a_temporary_password_must_change_first(storage: Storage) -> None:
    harness = in_memory(storage=storage)
    temporary = _password_account(harness, change_done=False)
    result = harness.softtoken.sign_in.begin(PASSWORD_USER, temporary)
    assert isinstance(result, ChangePassword)
    assert result.reason == "temporary_password"
    assert result.rules_en
    assert len(result.rules_th) == len(result.rules_en)


def test_soft_token_sign_in_waits_for_the_phone(storage: Storage) -> None:
    harness = in_memory(storage=storage)
    phone = soft_token_user(harness)
    started = _second_factor(harness)
    assert started.mode == "enter"
    assert started.code is not None
    assert not started.offline_allowed
    assert isinstance(harness.softtoken.sign_in.wait(started.handle, timeout=0), StillWaiting)
    _approve(harness, phone, started)
    result = harness.softtoken.sign_in.wait(started.handle, timeout=5)
    assert isinstance(result, SignedIn)
    now = harness.clock.now()
    assert result.user_id == WHO.user_id
    assert result.factors == ("password", "soft_token")
    assert result.aal == 2
    assert result.reauthenticate_by == now + timedelta(hours=12)
    assert result.idle_timeout == timedelta(minutes=30)
    assert result.session_valid(last_activity=now, now=now + timedelta(minutes=29))
    assert not result.session_valid(last_activity=now, now=now + timedelta(minutes=30))
    assert not result.session_valid(
        last_activity=now + timedelta(hours=12), now=now + timedelta(hours=12)
    )


def test_first_soft_token_login_then_change_password(memory_harness: Harness) -> None:
    phone = soft_token_user(memory_harness, first_login_done=False)
    started = _second_factor(memory_harness)
    _approve(memory_harness, phone, started)
    result = memory_harness.softtoken.sign_in.poll(started.handle)
    assert isinstance(result, ChangePassword)
    assert result.reason == "first_login"


def test_declined_and_unknown_handles(memory_harness: Harness) -> None:
    phone = soft_token_user(memory_harness)
    soft = memory_harness.softtoken
    started = _second_factor(memory_harness)
    [item] = soft.push_login.pending_for_device(phone.certificate_serial)
    soft.push_login.respond(phone.decline(item, pin=WHO.pin))
    with pytest.raises(AuthenticationError) as declined:
        soft.sign_in.wait(started.handle, timeout=1)
    assert declined.value.code == "challenge_declined"
    for bad in ("nonsense", "a.b.c", 42, f"T05005000000202.{started.handle.split('.')[1]}"):
        with pytest.raises(Exception) as refused:
            soft.sign_in.poll(bad)
        assert getattr(refused.value, "code", None) in {
            "sign_in_handle_invalid",
            "challenge_not_found",
        }


def test_locked_after_wrong_passwords(memory_harness: Harness) -> None:
    soft_token_user(memory_harness)
    soft = memory_harness.softtoken
    for _ in range(soft.policy.login_max_failures):
        with pytest.raises(AuthenticationError):
            soft.sign_in.begin(WHO.user_id, "wrong password entirely")
    result = soft.sign_in.begin(WHO.user_id, WHO.password)
    assert isinstance(result, Locked)
    assert result.code == "login_locked"
    assert result.retry_after is not None
    assert 0 < result.retry_after <= 300


def test_expired_certificate_signs_in_through_renewal(storage: Storage) -> None:
    harness = in_memory(storage=storage)
    phone = soft_token_user(harness)
    soft = harness.softtoken
    end = soft.ca.get(phone.certificate_serial).not_after
    harness.clock.set(end - timedelta(hours=2))
    assert isinstance(_second_factor(harness), SecondFactorRequired)  # last hours: still on
    harness.clock.set(end + timedelta(days=2))
    result = soft.sign_in.begin(WHO.user_id, WHO.password)
    assert isinstance(result, RenewalRequired)
    assert result.expired_at == end
    [request] = soft.renewal.pending_for_device(phone.certificate_serial)
    assert request["rid"] == result.renewal.renewal_id
    phone.install_renewal(soft.renewal.complete(phone.accept_renewal(request, pin=WHO.pin)).answer)
    assert soft.renewal.check(result.renewal.renewal_id, user_id=WHO.user_id).completed
    assert isinstance(_second_factor(harness), SecondFactorRequired)


def test_offline_code_instead_of_the_push(storage: Storage) -> None:
    harness = in_memory(storage=storage, policy=Policy.for_tests(totp_offline_fallback=True))
    phone = soft_token_user(harness)
    soft = harness.softtoken
    started = _second_factor(harness)
    assert started.offline_allowed
    code = phone.offline_code(pin=WHO.pin, now=harness.clock.now())
    result = soft.sign_in.offline(started.handle, code)
    assert isinstance(result, SignedIn)
    assert result.factors == ("password", "totp")
    assert result.aal == 2
    # The push of that sign-in can no longer be approved.
    assert soft.push_login.pending_for_device(phone.certificate_serial) == []
    with pytest.raises(AuthenticationError) as used:
        soft.sign_in.offline(started.handle, code)
    assert used.value.code == "challenge_used"


def test_offline_code_is_refused_unless_the_policy_allows_it(memory_harness: Harness) -> None:
    soft_token_user(memory_harness)
    started = _second_factor(memory_harness)
    with pytest.raises(StateError) as refused:
        memory_harness.softtoken.sign_in.offline(started.handle, "123456")
    assert refused.value.code == "offline_login_not_allowed"


def test_session_timeouts_follow_the_policy() -> None:
    harness = in_memory(
        policy=Policy.for_tests(
            session_absolute_timeout_aal2=timedelta(hours=8),
            session_idle_timeout_aal2=timedelta(minutes=15),
            session_absolute_timeout_aal1=timedelta(days=1),
        )
    )
    phone = soft_token_user(harness)
    started = _second_factor(harness)
    _approve(harness, phone, started)
    result = harness.softtoken.sign_in.poll(started.handle)
    assert isinstance(result, SignedIn)
    assert result.reauthenticate_by == harness.clock.now() + timedelta(hours=8)
    assert result.idle_timeout == timedelta(minutes=15)
    password = _password_account(harness)
    aal1 = harness.softtoken.sign_in.begin(PASSWORD_USER, password)
    assert isinstance(aal1, SignedIn)
    assert aal1.reauthenticate_by == harness.clock.now() + timedelta(days=1)


def test_token_key_accounts_sign_in_elsewhere(memory_harness: Harness) -> None:
    soft = memory_harness.softtoken
    soft.accounts.create(user_id=PASSWORD_USER, first_name="A", last_name="B",
                         login_type="token_key")  # fmt: skip
    temporary = soft.accounts.issue_temporary_password(PASSWORD_USER)
    soft.accounts.change_password(
        PASSWORD_USER,
        current_password=temporary,
        new_password=LONG_PASSWORD,
        confirm_password=LONG_PASSWORD,
    )
    with pytest.raises(StateError) as refused:
        soft.sign_in.begin(PASSWORD_USER, LONG_PASSWORD)
    assert refused.value.code == "token_key_sign_in_external"


# --- waking without busy polling -------------------------------------------------------


def _wake_delay(waiting: Harness, answering: Harness, phone: Device) -> float:
    """Seconds between the answer being stored (by ``answering``) and ``waiting``'s
    wait returning."""
    started = _second_factor(waiting)
    out: dict[str, Any] = {}

    def wait() -> None:
        out["result"] = waiting.softtoken.sign_in.wait(started.handle, timeout=10)
        out["at"] = time.monotonic()

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.3)  # the waiter is asleep by now
    _approve(answering, phone, started)
    answered_at = time.monotonic()
    thread.join(10)
    assert isinstance(out["result"], SignedIn)
    return float(out["at"] - answered_at)


def test_wait_wakes_within_100_ms_in_one_process(storage: Storage) -> None:
    harness = in_memory(storage=storage)
    phone = soft_token_user(harness)
    assert _wake_delay(harness, harness, phone) < 0.1


#: One deployment's secret key, shared by the facades that play its processes.
DEPLOYMENT_KEY = bytes(range(32))


def _second_process(harness: Harness, storage: Storage) -> Harness:
    """Another facade on the same database: what another portal process has (its own
    in-process signal, the deployment's keys)."""
    return in_memory(storage=storage, clock=harness.clock, policy=harness.softtoken.policy,
                     authority=harness.softtoken.ca.authority,
                     secret_key=DEPLOYMENT_KEY)  # fmt: skip


def test_wait_wakes_within_100_ms_across_processes_on_postgres(pg_storage: Storage) -> None:
    harness = in_memory(
        storage=pg_storage,
        policy=Policy.for_tests(matching_mode="confirm"),
        secret_key=DEPLOYMENT_KEY,
    )
    phone = soft_token_user(harness)
    other = _second_process(harness, pg_storage)
    assert _wake_delay(harness, other, phone) < 0.1


def test_wait_falls_back_to_a_bounded_poll_across_processes_on_sqlite(tmp_path: Path) -> None:
    def open_file() -> SqlStorage:
        storage = SqlStorage(f"sqlite:///{tmp_path / 'shared.db'}")
        storage.create_schema()
        return storage

    harness = in_memory(
        storage=open_file(),
        policy=Policy.for_tests(matching_mode="confirm"),
        secret_key=DEPLOYMENT_KEY,
    )
    phone = soft_token_user(harness)
    other = _second_process(harness, open_file())
    # Nothing crosses between the two: the waiter reads again every 250 ms.
    assert _wake_delay(harness, other, phone) < 0.25 + 0.15


# --- throttling by client ----------------------------------------------------------------


def test_a_client_that_keeps_failing_is_locked_across_accounts(storage: Storage) -> None:
    harness = in_memory(storage=storage, policy=Policy.for_tests(client_max_failures=3))
    soft_token_user(harness)
    password = _password_account(harness)
    sign_in = harness.softtoken.sign_in
    spray = "203.0.113.50"
    for user in ("T05005000000201", PASSWORD_USER, "T05005000000999"):
        with pytest.raises(AuthenticationError):
            sign_in.begin(user, "Winter2026 is here", client=spray)
    # The sprayer's next try is refused before any password is checked, even a right one.
    locked = sign_in.begin(PASSWORD_USER, password, client=spray)
    assert isinstance(locked, Locked)
    assert locked.code == "client_locked"
    assert locked.retry_after == 300
    # Another client, and a caller without a client key, are not affected.
    assert isinstance(sign_in.begin(PASSWORD_USER, password, client="198.51.100.1"), SignedIn)
    assert isinstance(sign_in.begin(PASSWORD_USER, password), SignedIn)
    harness.clock.advance(timedelta(minutes=5))
    assert isinstance(sign_in.begin(PASSWORD_USER, password, client=spray), SignedIn)
    with harness.softtoken.unit_of_work() as uow:
        rows = uow.transaction.select("st_attempt_counters", [])
    assert spray not in repr(rows)  # only an HMAC of the client key is stored


def test_a_client_key_must_be_short_text(memory_harness: Harness) -> None:
    with pytest.raises(ValidationError) as bad:
        memory_harness.softtoken.sign_in.begin(WHO.user_id, WHO.password, client="x" * 257)
    assert bad.value.field == "client"
