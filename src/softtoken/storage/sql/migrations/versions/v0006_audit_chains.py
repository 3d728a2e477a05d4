"""Several audit chains (issue 15 item 1): ``st_audit_events.chain`` and
``st_audit_head.chains``.

Every record so far becomes chain 1, which starts from the same zeros and keeps the
same hashes, and the one head row (``id`` 1) keeps its ``v1`` seal: the log verifies
unchanged. The first audited commit after the upgrade seals that head again as ``v2``
for ``Policy.audit_chains`` and starts the other chains' heads (docs/audit.md). The
primary key of the records becomes (chain, seq), since ``seq`` counts within a chain.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("st_audit_events") as batch:
        batch.add_column(sa.Column("chain", sa.Integer(), server_default="1", nullable=False))
        batch.drop_constraint("pk_st_audit_events", type_="primary")
        batch.create_primary_key("pk_st_audit_events", ["chain", "seq"])
    with op.batch_alter_table("st_audit_head") as batch:
        batch.add_column(sa.Column("chains", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Only a log still in one chain goes back: records of other chains would collide
    # on seq. Refuse rather than lose them.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM st_audit_events WHERE chain <> 1")).first():
        msg = "the audit log uses several chains: it cannot go back to one"
        raise RuntimeError(msg)
    with op.batch_alter_table("st_audit_head") as batch:
        batch.drop_column("chains")
    bind.execute(sa.text("DELETE FROM st_audit_head WHERE id <> 1"))
    with op.batch_alter_table("st_audit_events") as batch:
        batch.drop_constraint("pk_st_audit_events", type_="primary")
        batch.create_primary_key("pk_st_audit_events", ["seq"])
        batch.drop_column("chain")
