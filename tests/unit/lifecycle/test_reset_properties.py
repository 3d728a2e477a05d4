"""Property tests: any string as user ID, citizen ID, email, client key or code gives a
typed softtoken error, never another exception, and changes no stored state but the
failure counters (and the audit entries that record each attempt)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softtoken import SoftTokenError
from softtoken.storage.memory import MemoryStorage
from softtoken.testing import Harness, in_memory

from ...helpers.otp import CITIZEN, EMAIL, USER, registered

# Columns that are counters (or their bookkeeping) and may change on a failed attempt.
COUNTERS = {"failures", "locked_until", "disabled", "updated_at", "version"}
FREE = {"st_attempt_counters", "st_audit_events", "st_audit_head"}
# The fixture is module-wide on purpose: counters accumulate across examples.
LOOSE = [HealthCheck.function_scoped_fixture]


def state(storage: MemoryStorage) -> dict[str, Any]:
    with storage.lock:
        tables = {name: dict(rows) for name, rows in storage._tables.items() if name not in FREE}
    tables["st_otp_codes"] = {
        key: {c: v for c, v in row.items() if c not in COUNTERS}
        for key, row in tables.get("st_otp_codes", {}).items()
    }
    return tables


@pytest.fixture(scope="module")
def world() -> tuple[Harness, MemoryStorage]:
    storage = MemoryStorage()
    harness = in_memory(storage=storage)
    registered(harness)
    harness.softtoken.password_reset.request(USER, CITIZEN, EMAIL)
    harness.deliver_mail()
    return harness, storage


texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from([USER, CITIZEN, EMAIL, "", " ", "T0500500000020", "๑๒๓๔๕๖", "\x00"]),
)
anything = st.one_of(texts, st.none(), st.integers(), st.binary(max_size=8))


@settings(max_examples=300, deadline=None, suppress_health_check=LOOSE)
@given(user_id=texts, citizen_id=texts, email=texts, client_key=st.one_of(st.none(), texts))
def test_request_with_any_strings_raises_only_typed_errors(
    world: tuple[Harness, MemoryStorage],
    user_id: str,
    citizen_id: str,
    email: str,
    client_key: str | None,
) -> None:
    harness, storage = world
    if (user_id, citizen_id, email) == (USER, CITIZEN, EMAIL):
        return  # the one right answer legitimately sends a code
    before = state(storage)
    with pytest.raises(SoftTokenError):
        harness.softtoken.password_reset.request(user_id, citizen_id, email, client_key=client_key)
    assert state(storage) == before


@settings(max_examples=300, deadline=None, suppress_health_check=LOOSE)
@given(user_id=st.one_of(texts, st.just(USER)), code=anything)
def test_confirm_with_any_input_raises_only_typed_errors(
    world: tuple[Harness, MemoryStorage], user_id: Any, code: Any
) -> None:
    harness, storage = world
    before = state(storage)
    try:
        harness.softtoken.password_reset.confirm(user_id, code)
    except SoftTokenError:
        assert state(storage) == before
    else:  # a one-in-a-million guess of the waiting code: then it was used up
        assert user_id == USER


@settings(max_examples=200, deadline=None, suppress_health_check=LOOSE)
@given(purpose=anything, subject=anything, code=anything)
def test_otp_verify_with_any_input_raises_only_typed_errors(
    world: tuple[Harness, MemoryStorage], purpose: Any, subject: Any, code: Any
) -> None:
    harness, storage = world
    before = state(storage)
    with pytest.raises(SoftTokenError):
        harness.softtoken.otp.verify(purpose, subject, code)
    assert state(storage) == before


@settings(max_examples=200, deadline=None, suppress_health_check=LOOSE)
@given(user_id=anything, password=anything)
def test_login_with_any_input_raises_only_typed_errors(
    world: tuple[Harness, MemoryStorage], user_id: Any, password: Any
) -> None:
    harness, _ = world
    with pytest.raises(SoftTokenError):
        harness.softtoken.login.password(user_id, password)
