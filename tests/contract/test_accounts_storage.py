"""The storage contract for accounts, run on every adapter."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from softtoken import ConcurrencyError, Conflict, NotFound, UserId
from softtoken.accounts import Account, Email
from softtoken.storage import StorageUnitOfWork
from softtoken.testing import Harness

USER = "T05005000000201"


def _create(harness: Harness, user_id: str = USER, email: str = "a@example.go.th") -> Account:
    return harness.softtoken.accounts.create(
        user_id=user_id, first_name="Somchai", last_name="Jaidee", email=email
    )


def test_add_then_get_round_trips_every_field(harness: Harness) -> None:
    created = _create(harness)
    now = harness.clock.now()
    with harness.softtoken.unit_of_work() as uow:
        changed = attrs.evolve(
            uow.accounts.get(UserId(USER)),
            password_hash="$argon2id$x",
            must_change_password=True,
            password_expires_at=now + timedelta(hours=1, microseconds=7),
            failed_logins=3,
            locked_until=now + timedelta(minutes=5),
            last_login_at=now,
            registration_completed=True,
        )
        uow.accounts.update(changed)
        uow.commit()
    loaded = harness.softtoken.accounts.get(USER)
    assert loaded == attrs.evolve(changed, version=created.version + 1)
    assert loaded.password_expires_at is not None
    assert loaded.password_expires_at.tzinfo is not None


def test_duplicate_user_id_is_a_conflict(harness: Harness) -> None:
    _create(harness)
    with pytest.raises(Conflict) as caught:
        _create(harness)
    assert caught.value.code == "account_exists"


def test_unknown_account_is_not_found(harness: Harness) -> None:
    with pytest.raises(NotFound) as caught:
        harness.softtoken.accounts.get("T99999999999999")
    assert caught.value.code == "account_not_found"


def test_stale_version_raises_concurrency_error_and_keeps_the_winner(harness: Harness) -> None:
    _create(harness)
    with harness.softtoken.unit_of_work() as first:
        stale = first.accounts.get(UserId(USER))
    with harness.softtoken.unit_of_work() as second:
        second.accounts.update(attrs.evolve(stale, first_name="Winner"))
        second.commit()
    with harness.softtoken.unit_of_work() as third, pytest.raises(ConcurrencyError):
        third.accounts.update(attrs.evolve(stale, first_name="Loser"))
    assert harness.softtoken.accounts.get(USER).first_name == "Winner"


def test_uncommitted_unit_of_work_leaves_nothing(harness: Harness) -> None:
    with harness.softtoken.unit_of_work() as uow:
        uow.accounts.add(
            Account(
                user_id=UserId(USER),
                first_name="A",
                last_name="B",
                created_at=harness.clock.now(),
                updated_at=harness.clock.now(),
            )
        )
    with pytest.raises(NotFound):
        harness.softtoken.accounts.get(USER)


def test_list_pages_in_user_id_order(harness: Harness) -> None:
    for n in (3, 1, 2):
        _create(harness, f"T0000000000000{n}", f"p{n}@example.go.th")
    first = harness.softtoken.accounts.list(limit=2)
    assert [a.user_id.value for a in first] == ["T00000000000001", "T00000000000002"]
    rest = harness.softtoken.accounts.list(after=first[-1].user_id.value)
    assert [a.user_id.value for a in rest] == ["T00000000000003"]


def test_find_by_email(harness: Harness) -> None:
    _create(harness)
    with harness.softtoken.unit_of_work() as uow:
        assert isinstance(uow, StorageUnitOfWork)
        found = uow.accounts.with_email(Email.parse("A@Example.go.th"))
    assert [a.user_id.value for a in found] == [USER]
