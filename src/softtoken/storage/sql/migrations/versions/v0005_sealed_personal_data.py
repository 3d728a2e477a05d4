"""Personal data sealed at rest, and key IDs in every MAC (issue 17 items 1 and 2).

Citizen IDs, names, registration identities and details, proofing state and results,
service-request forms and documents are sealed (``st1:<kid>:...``, storage/_sealing.py);
citizen IDs are found through a keyed blind index (``citizen_index``); MAC columns widen
to hold ``<kid>:<hex>``. Clear rows are sealed here, which needs the deployment's key:
``softtoken db upgrade --secret-key-file``, ``SOFTTOKEN_KEYRING_FILE`` or
``SOFTTOKEN_SECRET_KEY`` (docs/privacy.md, "Upgrading").

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from softtoken.errors import ConfigurationError
from softtoken.storage.sql._seal_upgrade import seal_clear_rows
from softtoken.storage.sql.migrations import migration_keys

revision = "0005"
down_revision: str | None = "0004"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None
#: ``migrations.downgrade`` refuses to go below this revision (see :func:`downgrade`).
IRREVERSIBLE = True

_WIDER = (
    ("st_accounts", "citizen_id", 13, 96, True),
    ("st_accounts", "first_name", 100, 600, False),
    ("st_accounts", "last_name", 100, 600, False),
    ("st_email_bindings", "citizen_id", 13, 96, False),
    ("st_proofings", "citizen_id", 13, 96, False),
    ("st_registrations", "citizen_id", 13, 96, True),
    ("st_otp_codes", "code_mac", 64, 96, True),
    ("st_attempt_counters", "key_mac", 64, 96, False),
    ("st_activations", "secret_mac", 64, 96, False),
    ("st_login_challenges", "code_mac", 64, 96, True),
)


def _resize(before: bool) -> None:
    for table, column, narrow, wide, nullable in _WIDER:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.String(narrow if before else wide),
                type_=sa.String(wide if before else narrow),
                existing_nullable=nullable,
            )


def upgrade() -> None:
    for table in ("st_accounts", "st_email_bindings"):
        op.drop_index(f"ix_{table}_citizen_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("citizen_index", sa.String(96), nullable=True))
    _resize(before=True)
    seal_clear_rows(op.get_bind(), migration_keys())
    with op.batch_alter_table("st_email_bindings") as batch:
        batch.alter_column(
            "citizen_index", existing_type=sa.String(96), existing_nullable=True, nullable=False
        )
    for table in ("st_accounts", "st_email_bindings"):
        op.create_index(f"ix_{table}_citizen_index", table, ["citizen_index"], unique=False)


def downgrade() -> None:
    # Going back would write sealed personal data in clear again (and the narrow columns
    # could not hold sealed values): refuse, typed. ``migrations.downgrade`` refuses
    # before any revision runs; this is for an Alembic environment of the host's own.
    raise ConfigurationError("migration_irreversible", detail="revision 0005: restore a backup")
