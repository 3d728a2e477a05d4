"""Issue 12, the password path: M4 (login does not tell which accounts exist), M5 (15
characters for a password that is the only factor), M7 (the password step never says
"authenticated" for a two-factor account) and L5 (a push challenge does not outlive a
password change or reset, nor a disabled account). Storage-backed tests run on every
adapter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

import attrs
import pytest

from softtoken import (
    AccountStatus,
    AuthenticationError,
    LoginType,
    PasswordRejected,
    Policy,
    RateLimited,
    SoftTokenError,
    UserId,
)
from softtoken.lifecycle import LoginStep
from softtoken.testing import Harness, in_memory

from ...helpers.devices import CITIZEN as ST_CITIZEN
from ...helpers.devices import EMAIL as ST_EMAIL
from ...helpers.devices import PASSWORD as ST_PASSWORD
from ...helpers.devices import PIN, answer_for, pending_one, soft_token_user
from ...helpers.otp import PASSWORD, USER, code_in, last_mail_text, password_in, registered

UNKNOWN = "T09999999999999"
NO_PASSWORD = "T05005000000210"
DISABLED = "T05005000000211"
LOCKED = "T05005000000212"
WRONG = "not the password"
NEW = "quiet river 1987 lantern"
ELEVEN = "zq7#kw9!vt2"


@contextmanager
def hash_calls(harness: Harness) -> Iterator[Counter[str]]:
    """Count the hasher's argon2 calls (verify, verify_dummy, hash) while inside."""
    hasher = harness.softtoken.context.hasher
    counts: Counter[str] = Counter()
    originals: dict[str, Callable[..., Any]] = {}
    for name in ("verify", "verify_dummy", "hash"):
        originals[name] = original = getattr(hasher, name)

        def counting(*args: Any, _name: str = name, _f: Callable[..., Any] = original) -> Any:
            counts[_name] += 1
            return _f(*args)

        setattr(hasher, name, counting)
    try:
        yield counts
    finally:
        for name, original in originals.items():
            setattr(hasher, name, original)


def _set(harness: Harness, user_id: str, **changes: Any) -> None:
    soft = harness.softtoken
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(user_id))
        uow.accounts.update(attrs.evolve(account, **changes))
        uow.commit()


def _attempt(call: Callable[[], object]) -> str:
    try:
        call()
    except SoftTokenError as error:
        return error.code
    return "passed"


def _accounts(harness: Harness) -> None:
    """A password account, one without a password, one disabled, one locked."""
    soft = harness.softtoken
    registered(harness, login_type=LoginType.PASSWORD)
    soft.accounts.create(user_id=NO_PASSWORD, first_name="Malee", last_name="Sukjai")
    for user_id, email in ((DISABLED, "d@example.go.th"), (LOCKED, "l@example.go.th")):
        registered(
            harness, user_id=user_id, email=email, citizen_id=None, login_type=LoginType.PASSWORD
        )
    _set(harness, DISABLED, status=AccountStatus.DISABLED)
    _set(harness, LOCKED, locked_until=harness.clock.now() + timedelta(minutes=3))


def test_m4_every_refusal_spends_one_hash_and_says_the_same(harness: Harness) -> None:
    soft = harness.softtoken
    _accounts(harness)
    cases = {
        "right": (USER, PASSWORD),
        "wrong": (USER, WRONG),
        "unknown": (UNKNOWN, WRONG),
        "no_password": (NO_PASSWORD, WRONG),
        "disabled": (DISABLED, WRONG),
        "disabled_right": (DISABLED, PASSWORD),
        "locked": (LOCKED, PASSWORD),
    }
    codes, spent = {}, {}
    for name, (user_id, password) in cases.items():
        with hash_calls(harness) as counts:
            codes[name] = _attempt(partial(soft.login.password, user_id, password))
        spent[name] = sum(counts.values())
    # The same argon2 work on every path: timing cannot tell them apart.
    assert spent == dict.fromkeys(cases, 1)
    assert codes == {
        "right": "passed",
        "wrong": "login_failed",
        "unknown": "login_failed",
        "no_password": "login_failed",
        "disabled": "login_failed",
        # Only someone who knows the password learns the account is disabled.
        "disabled_right": "account_disabled",
        "locked": "login_locked",
    }
    # The precise reason is kept for the audit log, never shown.
    reasons = {
        r.entry.subject: r.entry.details.get("reason")
        for r in soft.audit.records()
        if r.entry.action == "login.password" and r.entry.outcome != "success"
    }
    assert reasons[USER] == "wrong_password"
    assert reasons[DISABLED] == "account_disabled"
    assert reasons[UNKNOWN] == "unknown_user"
    assert reasons[NO_PASSWORD] == "password_not_set"
    assert reasons[LOCKED] == "login_locked"
    # The change screen keeps the same rule: an unknown ID is a wrong current password.
    with hash_calls(harness) as counts:
        code = _attempt(
            lambda: soft.login.change_password(
                UNKNOWN, current_password=WRONG, new_password=NEW, confirm_password=NEW
            )
        )
    assert (code, sum(counts.values())) == ("wrong_password", 1)


def test_m4_the_generic_refusal_is_documented_in_both_languages() -> None:
    error = AuthenticationError("login_failed").to_dict()
    assert error["code"] == "login_failed"
    assert error["message_th"]
    assert error["message_en"]
    assert "not correct" in str(error["message_en"])


@pytest.mark.parametrize("who", [USER, UNKNOWN, NO_PASSWORD, DISABLED])
def test_m4_unknown_ids_are_counted_and_locked_like_known_ones(harness: Harness, who: str) -> None:
    soft, clock = harness.softtoken, harness.clock
    _accounts(harness)
    limit = soft.policy.login_max_failures
    codes = [_attempt(lambda: soft.login.password(who, WRONG)) for _ in range(limit)]
    assert codes == ["login_failed"] * limit
    with pytest.raises(RateLimited) as locked:
        soft.login.password(who, WRONG)
    assert (locked.value.code, locked.value.retry_after) == ("login_locked", 300)
    clock.advance(soft.policy.login_lockout)
    assert _attempt(lambda: soft.login.password(who, WRONG)) == "login_failed"
    if who == UNKNOWN:
        # The counter is a row keyed by an HMAC of the ID: never the ID itself.
        with soft.unit_of_work() as uow:
            rows = uow.transaction.select("st_attempt_counters", [])
        [row] = [r for r in rows if r["scope"] == "login_unknown"]
        assert row["failures"] == limit + 1
        assert UNKNOWN not in str(row["key_mac"])


def test_m4_the_hard_limit_reads_the_same_for_unknown_ids(memory_harness: Harness) -> None:
    soft, clock = memory_harness.softtoken, memory_harness.clock
    registered(memory_harness, login_type=LoginType.PASSWORD)

    def hundred(who: str) -> list[str]:
        codes = []
        for i in range(soft.policy.login_hard_limit):
            codes.append(_attempt(lambda: soft.login.password(who, WRONG)))
            if (i + 1) % soft.policy.login_max_failures == 0:
                clock.advance(soft.policy.login_lockout)
        codes += [_attempt(lambda: soft.login.password(who, WRONG)) for _ in range(6)]
        return codes

    known, unknown = hundred(USER), hundred(UNKNOWN)
    assert known == unknown
    assert set(known[-6:]) == {"login_failed"}  # disabled: no lock, no difference
    assert soft.accounts.get(USER).status is AccountStatus.DISABLED


def test_m5_single_factor_accounts_need_15_characters_on_change(harness: Harness) -> None:
    soft = harness.softtoken
    registered(harness, login_type=LoginType.PASSWORD)
    fourteen, fifteen = "zq7 kw9 vt2 mx4"[:14], "zq7 kw9 vt2 mx4"
    with pytest.raises(PasswordRejected) as short:
        soft.login.change_password(
            USER, current_password=PASSWORD, new_password=fourteen, confirm_password=fourteen
        )
    assert short.value.reasons == ("password_too_short",)
    soft.login.change_password(
        USER, current_password=PASSWORD, new_password=fifteen, confirm_password=fifteen
    )
    assert "15" in soft.login.password_rules("en", single_factor=True)[0]
    assert soft.login.password(USER, fifteen).single_factor
    # Inside multi-factor use 8 stay enough (NIST SP 800-63B-4 3.1.1.2).
    registered(
        harness, user_id=LOCKED, email="l@example.go.th", citizen_id=None,
        login_type=LoginType.SOFT_TOKEN,
    )  # fmt: skip
    soft.login.change_password(
        LOCKED, current_password=PASSWORD, new_password="zq7#kw9!", confirm_password="zq7#kw9!"
    )


def test_m5_generated_passwords_meet_the_single_factor_minimum(storage: Any) -> None:
    harness = in_memory(storage=storage, policy=Policy.for_tests(temporary_password_length=8))
    soft = harness.softtoken
    registered(harness, login_type=LoginType.PASSWORD)
    minimum = soft.policy.password_min_length_single_factor
    assert minimum == 15
    temporary = soft.accounts.issue_temporary_password(USER)
    assert len(temporary) >= minimum
    soft.accounts.create(
        user_id=DISABLED, first_name="Prasert", last_name="Mankong",
        login_type=LoginType.TOKEN_KEY,
    )  # fmt: skip
    assert len(soft.initial_credentials.issue(DISABLED).password) >= minimum
    # The reset path (manual chapter 4) emails a generated password...
    from ...helpers.otp import CITIZEN, EMAIL

    soft.password_reset.request(USER, CITIZEN, EMAIL)
    soft.password_reset.confirm(USER, code_in(last_mail_text(harness)))
    emailed = password_in(last_mail_text(harness, template="password_reset_done"))
    assert len(emailed) >= minimum
    # ...and the person's own password after it is checked against the same minimum.
    with pytest.raises(PasswordRejected) as short:
        soft.login.change_password(
            USER,
            current_password=emailed,
            new_password=ELEVEN,
            confirm_password=ELEVEN,
        )
    assert short.value.reasons == ("password_too_short",)


@pytest.mark.parametrize("kind", [LoginType.SOFT_TOKEN, LoginType.TOKEN_KEY])
def test_m7_the_password_step_never_authenticates_a_two_factor_account(
    memory_harness: Harness, kind: LoginType
) -> None:
    soft = memory_harness.softtoken
    registered(memory_harness, login_type=kind)
    step = soft.login.password(USER, PASSWORD)
    assert not step.authenticated
    assert step.second_factor_required
    assert step.next_step is LoginStep.SECOND_FACTOR
    assert step.second_factor is kind
    assert not step.password_change_required
    # A password that must change still waits for the second factor first.
    _set(memory_harness, USER, must_change_password=True)
    forced = soft.login.password(USER, PASSWORD)
    assert (forced.next_step, forced.authenticated) == (LoginStep.SECOND_FACTOR, False)
    assert forced.password_change_required
    assert forced.change_reason == "first_login"


def test_m7_a_password_account_is_authenticated_by_the_password(
    memory_harness: Harness,
) -> None:
    soft = memory_harness.softtoken
    registered(memory_harness, login_type=LoginType.PASSWORD)
    step = soft.login.password(USER, PASSWORD)
    assert step.authenticated
    assert not step.second_factor_required
    assert step.second_factor is None
    assert step.next_step is LoginStep.AUTHENTICATED


def _approved(harness: Harness) -> str:
    """A soft token user whose phone approved a login the portal has not checked yet."""
    soft = harness.softtoken
    _, phone = soft_token_user(harness)
    challenge = soft.push_login.begin(USER, ST_PASSWORD)
    answer = answer_for(challenge.mode, challenge.picture.id, challenge.code)
    soft.push_login.respond(phone.approve(pending_one(harness, phone), pin=PIN, answer=answer))
    return challenge.challenge_id


def test_l5_a_password_change_supersedes_an_approved_challenge(harness: Harness) -> None:
    soft = harness.softtoken
    challenge_id = _approved(harness)
    soft.login.change_password(
        USER, current_password=ST_PASSWORD, new_password=NEW, confirm_password=NEW
    )
    with pytest.raises(AuthenticationError) as caught:
        soft.push_login.check(challenge_id, user_id=USER)
    assert caught.value.code == "challenge_used"


def test_l5_a_password_reset_supersedes_an_open_challenge(harness: Harness) -> None:
    soft = harness.softtoken
    _, phone = soft_token_user(harness)
    challenge = soft.push_login.begin(USER, ST_PASSWORD)
    assert soft.push_login.pending_for_device(phone.certificate_serial)
    soft.password_reset.request(USER, ST_CITIZEN, ST_EMAIL)
    soft.password_reset.confirm(USER, code_in(last_mail_text(harness, to=ST_EMAIL)))
    assert soft.push_login.pending_for_device(phone.certificate_serial) == []
    with pytest.raises(AuthenticationError) as caught:
        soft.push_login.check(challenge.challenge_id, user_id=USER)
    assert caught.value.code == "challenge_used"


def test_l5_check_refuses_once_the_account_is_disabled(harness: Harness) -> None:
    soft = harness.softtoken
    challenge_id = _approved(harness)
    _set(harness, USER, status=AccountStatus.DISABLED)
    with pytest.raises(SoftTokenError) as caught:
        soft.push_login.check(challenge_id, user_id=USER)
    assert caught.value.code == "account_disabled"
    # Re-enabling does not revive it: the refusal used the challenge up.
    soft.accounts.enable(USER, officer="o1")
    with pytest.raises(AuthenticationError) as again:
        soft.push_login.check(challenge_id, user_id=USER)
    assert again.value.code == "challenge_used"
