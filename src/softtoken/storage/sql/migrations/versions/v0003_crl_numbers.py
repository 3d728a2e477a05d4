"""The CRL number counter (issue 12): one row per issuing CA, advanced by a
version-checked update with every CRL, so CRL numbers strictly increase (RFC 5280 5.2.3).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "st_crl_numbers",
        sa.Column("issuer", sa.String(length=64), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer", name=op.f("pk_st_crl_numbers")),
    )


def downgrade() -> None:
    op.drop_table("st_crl_numbers")
