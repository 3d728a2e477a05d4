"""The audit chain's head gains its seal (issue 12 M1): ``st_audit_head.mac``.

The column is nullable because the key that computes the seal is not the migration's:
a head upgraded here has none until the library seals it. ``build()`` does so when its
own start added the column (``softtoken.storage.sql._audit_upgrade``); after an upgrade
by hand an officer runs ``softtoken officer audit reseal`` (docs/audit.md).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    # A database made by ``create_all`` from a newer table definition, then stamped at
    # the baseline, has the column already.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("st_audit_head")}
    if "mac" in columns:
        return
    with op.batch_alter_table("st_audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("st_audit_head") as batch:
        batch.drop_column("mac")
