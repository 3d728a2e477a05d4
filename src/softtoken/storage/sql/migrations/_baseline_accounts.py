"""The 0.1 schema's accounts-area tables, as revision 0001 creates them (frozen: later
revisions change them; this file does not)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from softtoken.storage.sql._types import UTCDateTime

__all__ = ["create", "drop"]


def create() -> None:
    op.create_table(
        "st_accounts",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("disbursement_unit", sa.String(length=10), nullable=True),
        sa.Column("citizen_id", sa.String(length=13), nullable=True),
        sa.Column("login_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("password_expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("registration_completed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_st_accounts")),
    )
    op.create_index(op.f("ix_st_accounts_citizen_id"), "st_accounts", ["citizen_id"], unique=False)
    op.create_index(op.f("ix_st_accounts_email"), "st_accounts", ["email"], unique=False)
    op.create_table(
        "st_attempt_counters",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key_mac", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key_mac", name=op.f("pk_st_attempt_counters")),
    )
    op.create_table(
        "st_audit_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_st_audit_events")),
    )
    op.create_index(
        op.f("ix_st_audit_events_subject"), "st_audit_events", ["subject"], unique=False
    )
    op.create_table(
        "st_audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_st_audit_head")),
    )
    op.create_table(
        "st_certificates",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("not_before", UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_after", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("renewed_from", sa.String(length=40), nullable=True),
        sa.Column("superseded_by", sa.String(length=40), nullable=True),
        sa.Column("superseded_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=32), nullable=True),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_st_certificates")),
    )
    op.create_index(
        op.f("ix_st_certificates_device_id"), "st_certificates", ["device_id"], unique=False
    )
    op.create_index(
        op.f("ix_st_certificates_key_fingerprint"),
        "st_certificates",
        ["key_fingerprint"],
        unique=False,
    )
    op.create_index(op.f("ix_st_certificates_status"), "st_certificates", ["status"], unique=False)
    op.create_index(
        op.f("ix_st_certificates_user_id"), "st_certificates", ["user_id"], unique=False
    )
    op.create_table(
        "st_documents",
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "content",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_st_documents")),
    )
    op.create_table(
        "st_email_bindings",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("citizen_id", sa.String(length=13), nullable=False),
        sa.Column("registration_id", sa.String(length=32), nullable=False),
        sa.Column("bound_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_st_email_bindings")),
    )
    op.create_index(
        op.f("ix_st_email_bindings_citizen_id"), "st_email_bindings", ["citizen_id"], unique=False
    )
    op.create_table(
        "st_otp_codes",
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=254), nullable=False),
        sa.Column("code_id", sa.String(length=32), nullable=True),
        sa.Column("code_mac", sa.String(length=64), nullable=True),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("purpose", "subject", name=op.f("pk_st_otp_codes")),
    )
    op.create_table(
        "st_outbox",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_st_outbox")),
    )
    op.create_index(
        op.f("ix_st_outbox_next_attempt_at"), "st_outbox", ["next_attempt_at"], unique=False
    )
    op.create_table(
        "st_proofings",
        sa.Column("proofing_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("citizen_id", sa.String(length=13), nullable=False),
        sa.Column("lookup", sa.String(length=64), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("failure", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("proofing_id", name=op.f("pk_st_proofings")),
        sa.UniqueConstraint("lookup", name=op.f("uq_st_proofings_lookup")),
    )
    op.create_index(op.f("ix_st_proofings_status"), "st_proofings", ["status"], unique=False)
    op.create_index(op.f("ix_st_proofings_subject"), "st_proofings", ["subject"], unique=False)
    op.create_table(
        "st_registrations",
        sa.Column("registration_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("open_for", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("citizen_id", sa.String(length=13), nullable=True),
        sa.Column("consent_version", sa.String(length=64), nullable=True),
        sa.Column("consent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("assignment_order", sa.String(length=64), nullable=True),
        sa.Column("proofing_id", sa.String(length=32), nullable=True),
        sa.Column("identity", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("code_sent_to", sa.String(length=254), nullable=True),
        sa.Column("email_verified", sa.String(length=254), nullable=True),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("activated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_st_registrations")),
        sa.UniqueConstraint("open_for", name=op.f("uq_st_registrations_open_for")),
    )
    op.create_index(op.f("ix_st_registrations_state"), "st_registrations", ["state"], unique=False)
    op.create_index(
        op.f("ix_st_registrations_updated_at"), "st_registrations", ["updated_at"], unique=False
    )
    op.create_index(
        op.f("ix_st_registrations_user_id"), "st_registrations", ["user_id"], unique=False
    )
    op.create_table(
        "st_totp_credentials",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_st_totp_credentials")),
    )


def drop() -> None:
    op.drop_table("st_totp_credentials")
    op.drop_index(op.f("ix_st_registrations_user_id"), table_name="st_registrations")
    op.drop_index(op.f("ix_st_registrations_updated_at"), table_name="st_registrations")
    op.drop_index(op.f("ix_st_registrations_state"), table_name="st_registrations")
    op.drop_table("st_registrations")
    op.drop_index(op.f("ix_st_proofings_subject"), table_name="st_proofings")
    op.drop_index(op.f("ix_st_proofings_status"), table_name="st_proofings")
    op.drop_table("st_proofings")
    op.drop_index(op.f("ix_st_outbox_next_attempt_at"), table_name="st_outbox")
    op.drop_table("st_outbox")
    op.drop_table("st_otp_codes")
    op.drop_index(op.f("ix_st_email_bindings_citizen_id"), table_name="st_email_bindings")
    op.drop_table("st_email_bindings")
    op.drop_table("st_documents")
    op.drop_index(op.f("ix_st_certificates_user_id"), table_name="st_certificates")
    op.drop_index(op.f("ix_st_certificates_status"), table_name="st_certificates")
    op.drop_index(op.f("ix_st_certificates_key_fingerprint"), table_name="st_certificates")
    op.drop_index(op.f("ix_st_certificates_device_id"), table_name="st_certificates")
    op.drop_table("st_certificates")
    op.drop_table("st_audit_head")
    op.drop_index(op.f("ix_st_audit_events_subject"), table_name="st_audit_events")
    op.drop_table("st_audit_events")
    op.drop_table("st_attempt_counters")
    op.drop_index(op.f("ix_st_accounts_email"), table_name="st_accounts")
    op.drop_index(op.f("ix_st_accounts_citizen_id"), table_name="st_accounts")
    op.drop_table("st_accounts")
