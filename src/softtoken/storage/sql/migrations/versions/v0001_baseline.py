"""The schema of softtoken 0.1: the baseline every later revision starts from.

A 0.1 database made by ``create_all`` (it has no version table) is stamped at this
revision before it is upgraded.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from softtoken.storage.sql.migrations import _baseline_accounts, _baseline_devices

revision = "0001"
down_revision: str | None = None
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    _baseline_accounts.create()
    _baseline_devices.create()


def downgrade() -> None:
    _baseline_devices.drop()
    _baseline_accounts.drop()
