"""Statements and commits per call on the hot paths (issue 15, item 4), pinned so that a
change that adds a round trip fails here and has to say why.

Counted with SQLAlchemy's engine events on every SQL adapter: each statement the driver
runs, less the transaction's own ``BEGIN`` (SQLite sends ``BEGIN IMMEDIATE`` as a
statement, psycopg sends ``BEGIN`` inside the driver), and each commit. What stays in
every budget, and why:

* the audit entry: lock the chain's head, insert the record, move the head (3 statements;
  the audit chain's own design, docs/audit.md);
* the rows that decide: a locked read of the row a rule is enforced on (a code, a TOTP
  credential, a challenge) and its conditional update;
* a password login reads the account once before the hash, outside the write
  transaction (issue 12, M2), then writes it with an update conditional on the version
  read: no locked re-read when nothing changed between the two;
* a reading unit of work (``uow.reading()``: the login's read before the hash, the
  device's poll) costs no statement of its own on PostgreSQL either: its snapshot
  (``REPEATABLE READ, READ ONLY``) rides on psycopg's ``BEGIN`` as connection settings,
  where a ``SET TRANSACTION`` statement cost a round trip before.

Sealing personal columns (docs/privacy.md) costs no statement: it happens in process, in
the unit of work's transaction wrapper. Nor do several audit chains: a call's one record
locks and moves only its own chain's head.

A lower count than pinned is good news: lower the budget in the same change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest
from sqlalchemy import event

from softtoken import Policy, UserId
from softtoken.otp._totp import totp_code
from softtoken.storage.sql import SqlStorage
from softtoken.testing import Harness, in_memory
from tests.helpers.ca import make_csr
from tests.helpers.devices import PASSWORD, PIN, USER, answer_for, soft_token_user
from tests.helpers.otp import code_in

#: (statements, commits) per call, the same on SQLite and PostgreSQL. (On
#: PostgreSQL the push answer also sends the ``pg_notify`` that wakes a sign-in waiting in
#: another process: one autocommit round trip on a connection of its own, outside the
#: engine.)
BUDGET: dict[str, tuple[int, int]] = {
    "password login": (5, 1),
    "totp verify": (5, 1),
    "email code issue": (6, 1),
    "email code dispatch": (4, 2),  # claim, mark sent; the empty poll that ends the loop
    "email code verify": (5, 1),
    "push begin": (14, 2),  # the password step's commit, then the challenge's
    "push poll": (2, 0),
    "push answer": (7, 1),
    "push check": (10, 1),
    "certificate issue": (5, 1),
}


def budget(dialect: str) -> dict[str, tuple[int, int]]:
    """:data:`BUDGET` as counted on ``dialect`` (every SQL adapter alike)."""
    del dialect
    return dict(BUDGET)


class _Counter:
    def __init__(self, storage: SqlStorage) -> None:
        self.statements: list[str] = []
        self.commits = 0
        engine = storage.engine
        self.dialect = storage.dialect
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        self._engine = engine

    def _statement(self, *args: Any) -> None:
        sql = str(args[2]).lstrip()
        if not sql.upper().startswith("BEGIN"):
            self.statements.append(sql.split("\n", 1)[0][:80])

    def _commit(self, _conn: Any) -> None:
        self.commits += 1

    def remove(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._commit)

    @contextmanager
    def measure(self, name: str, seen: dict[str, tuple[int, int]]) -> Iterator[None]:
        self.statements.clear()
        self.commits = 0
        yield
        seen[name] = (len(self.statements), self.commits)


@pytest.fixture
def counted(sql_storage: SqlStorage) -> Iterator[tuple[Harness, Any, _Counter]]:
    harness, phone = soft_token_user(
        in_memory(storage=sql_storage, policy=Policy.for_tests(matching_mode="enter"))
    )
    soft = harness.softtoken
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(USER))
        uow.accounts.update(attrs.evolve(account, must_change_password=False))
        uow.commit()
    harness.deliver_mail()  # the activation's mail is not part of any budget below
    counter = _Counter(sql_storage)
    yield harness, phone, counter
    counter.remove()


def _run_paths(harness: Harness, phone: Any, measure: Callable[[str], Any]) -> None:
    soft = harness.softtoken
    with measure("password login"):
        soft.login.password(USER, PASSWORD)
    secret = soft.totp.enroll(USER).secret
    code = totp_code(secret, harness.clock.now(), policy=soft.policy)
    with measure("totp verify"):
        soft.totp.verify(USER, code)
    with measure("email code issue"):
        soft.otp.issue("budget", "subject-1", email="someone@example.go.th")
    with measure("email code dispatch"):
        soft.mail.deliver_pending()
    sent = harness.mailbox.messages[-1].text
    with measure("email code verify"):
        soft.otp.verify("budget", "subject-1", code_in(sent))
    with measure("push begin"):
        challenge = soft.push_login.begin(USER, PASSWORD)
    with measure("push poll"):
        [item] = soft.push_login.pending_for_device(phone.certificate_serial)
    answer = answer_for(challenge.mode, challenge.picture.id, challenge.code)
    token = phone.approve(item, pin=PIN, answer=answer)
    with measure("push answer"):
        soft.push_login.respond(token)
    with measure("push check"):
        soft.push_login.check(challenge.challenge_id, user_id=USER)
    csr = make_csr()
    with measure("certificate issue"):
        soft.ca.issue(user_id="T05005000000299", csr=csr)


def test_hot_paths_keep_their_statement_budget(counted: tuple[Harness, Any, _Counter]) -> None:
    harness, phone, counter = counted
    seen: dict[str, tuple[int, int]] = {}
    _run_paths(harness, phone, lambda name: counter.measure(name, seen))
    assert seen == budget(counter.dialect)


def test_a_login_whose_account_moved_on_falls_back_to_the_locked_read(
    counted: tuple[Harness, Any, _Counter],
) -> None:
    """The conditional update that replaces the locked re-read misses when the account
    changed between the read and the write: the login then decides on the locked row,
    in the same transaction, and still succeeds once."""
    harness, _phone, counter = counted
    soft = harness.softtoken
    original = soft.context.hasher.verify
    moved: list[bool] = []

    def verify_then_move(stored: str, secret: str) -> bool:
        result = original(stored, secret)
        if not moved:  # another process writes the account while this one hashes
            with soft.unit_of_work() as uow:
                account = uow.accounts.get(UserId(USER))
                uow.accounts.update(attrs.evolve(account, failed_logins=1))
                uow.commit()
            moved.append(True)
        return result

    soft.context.hasher.verify = verify_then_move  # type: ignore[method-assign, assignment]
    seen: dict[str, tuple[int, int]] = {}
    with counter.measure("login", seen):
        check = soft.login.password(USER, PASSWORD)
    assert check.account.failed_logins == 0
    # The other writer's read, update and commit; then the missed update and the locked
    # read: two statements more than the login's budget, and still its one commit.
    statements, commits = budget(counter.dialect)["password login"]
    assert seen["login"] == (statements + 2 + 2, commits + 1)
    with soft.unit_of_work() as uow:
        assert uow.accounts.get(UserId(USER)).failed_logins == 0
