"""Audit records that name people by keyed pseudonyms, with the key ID of their MAC, and
accounts that can be closed (issue 17 items 2 and 5).

``st_audit_events`` gains the record format, key ID, pseudonyms and the hash a record
had before conversion; ``actor`` and ``subject`` become nullable, so erasure can blank
them. Existing rows are format 1 (the server default). The migration does not hold the
key, so it cannot convert them: ``build()`` does when its own start added the columns,
and ``soft.audit.convert()`` (``softtoken officer audit convert``) or the first erasure
does after an upgrade by hand (docs/audit.md).

``st_audit_head.mac`` widens to hold a seal that names its key ID
(``v2:<key ID>:<hex>``). ``st_accounts`` gains ``closed_at``.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from softtoken.storage.sql._types import UTCDateTime

revision = "0007"
down_revision: str | None = "0006"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("st_audit_events") as batch:
        batch.alter_column("actor", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("subject", existing_type=sa.String(length=128), nullable=True)
        batch.add_column(sa.Column("format", sa.SmallInteger(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("actor_ref", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("subject_ref", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("detail_refs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("legacy_hash", sa.String(length=64), nullable=True))
        batch.create_index(op.f("ix_st_audit_events_subject_ref"), ["subject_ref"], unique=False)
    with op.batch_alter_table("st_audit_head") as batch:
        batch.alter_column("mac", existing_type=sa.String(length=80), type_=sa.String(length=100))
    with op.batch_alter_table("st_accounts") as batch:
        batch.add_column(sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("st_accounts") as batch:
        batch.drop_column("closed_at")
    with op.batch_alter_table("st_audit_head") as batch:
        batch.alter_column("mac", existing_type=sa.String(length=100), type_=sa.String(length=80))
    with op.batch_alter_table("st_audit_events") as batch:
        batch.drop_index(op.f("ix_st_audit_events_subject_ref"))
        for column in ("legacy_hash", "detail_refs", "subject_ref", "actor_ref", "key_id"):
            batch.drop_column(column)
        batch.drop_column("format")
        batch.alter_column("subject", existing_type=sa.String(length=128), nullable=False)
        batch.alter_column("actor", existing_type=sa.String(length=64), nullable=False)
