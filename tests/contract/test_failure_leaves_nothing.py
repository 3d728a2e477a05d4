"""A call that fails part-way leaves storage exactly as it was: the account, the outbox
and the audit log are one transaction. Failures are injected after the account was
written, at the outbox and at the audit chain."""

from __future__ import annotations

import pytest

from softtoken.testing import Harness

from ..helpers.storage import snapshot

USER = "T05005000000201"
NEW = "a long passphrase of mine"


class Injected(Exception):
    pass


def _boom(*_: object, **__: object) -> None:
    raise Injected


@pytest.mark.parametrize(
    "target",
    [
        "softtoken.storage._outbox_table.OutboxTable.add",
        "softtoken.storage._audit_table.AuditTable.flush",
        "softtoken.mail._templates.Template.substitute",
    ],
)
def test_injected_failure_mid_change_leaves_storage_unchanged(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    soft = harness.softtoken
    soft.accounts.create(
        user_id=USER, first_name="Somchai", last_name="Jaidee", email="s@example.go.th"
    )
    temporary = soft.accounts.issue_temporary_password(USER)
    before = snapshot(harness)
    monkeypatch.setattr(target, _boom)
    with pytest.raises(Injected):
        soft.accounts.change_password(
            USER, current_password=temporary, new_password=NEW, confirm_password=NEW
        )
    monkeypatch.undo()
    assert snapshot(harness) == before
    # And the same call succeeds afterwards: nothing was half-done.
    soft.accounts.change_password(
        USER, current_password=temporary, new_password=NEW, confirm_password=NEW
    )
    assert soft.audit.verify() == 3


def test_a_rejected_password_changes_nothing(harness: Harness) -> None:
    from softtoken import PasswordRejected

    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee")
    temporary = soft.accounts.issue_temporary_password(USER)
    before = snapshot(harness)
    with pytest.raises(PasswordRejected):
        soft.accounts.change_password(
            USER, current_password=temporary, new_password="password", confirm_password="password"
        )
    assert snapshot(harness) == before
