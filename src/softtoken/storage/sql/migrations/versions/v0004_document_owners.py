"""Who owns each uploaded document (issue 12 L2): ``st_document_owners``, so the
per-account cap on stored documents counts small rows instead of reading the documents.
Documents stored before this revision have no owner row until they are replaced.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from softtoken.storage.sql._types import UTCDateTime

revision = "0004"
down_revision: str | None = "0003"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "st_document_owners",
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_st_document_owners")),
    )
    op.create_index(
        op.f("ix_st_document_owners_owner"), "st_document_owners", ["owner"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_st_document_owners_owner"), table_name="st_document_owners")
    op.drop_table("st_document_owners")
