"""The 0.1 schema's devices-area tables, as revision 0001 creates them (frozen: later
revisions change them; this file does not)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from softtoken.storage.sql._types import UTCDateTime

__all__ = ["create", "drop"]


def create() -> None:
    op.create_table(
        "st_activations",
        sa.Column("activation_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("secret_mac", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("certificate_serial", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("activation_id", name=op.f("pk_st_activations")),
    )
    op.create_index(op.f("ix_st_activations_user_id"), "st_activations", ["user_id"], unique=False)
    op.create_table(
        "st_authenticator_events",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("certificate_serial", sa.String(length=40), nullable=True),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_st_authenticator_events")),
    )
    op.create_index(
        op.f("ix_st_authenticator_events_user_id"),
        "st_authenticator_events",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "st_device_bindings",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("active_user", sa.String(length=32), nullable=True),
        sa.Column("certificate_serial", sa.String(length=40), nullable=False),
        sa.Column("renewed_serial", sa.String(length=40), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("biometrics", sa.Boolean(), nullable=False),
        sa.Column("bound_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("pushes_since_login", sa.Integer(), nullable=False),
        sa.Column("last_push_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_st_device_bindings")),
        sa.UniqueConstraint("active_user", name=op.f("uq_st_device_bindings_active_user")),
    )
    op.create_index(
        op.f("ix_st_device_bindings_certificate_serial"),
        "st_device_bindings",
        ["certificate_serial"],
        unique=False,
    )
    op.create_index(
        op.f("ix_st_device_bindings_renewed_serial"),
        "st_device_bindings",
        ["renewed_serial"],
        unique=False,
    )
    op.create_index(
        op.f("ix_st_device_bindings_user_id"), "st_device_bindings", ["user_id"], unique=False
    )
    op.create_table(
        "st_login_challenges",
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("picture", sa.String(length=32), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("code_mac", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("password_change_required", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("challenge_id", name=op.f("pk_st_login_challenges")),
    )
    op.create_index(
        op.f("ix_st_login_challenges_device_id"), "st_login_challenges", ["device_id"], unique=False
    )
    op.create_index(
        op.f("ix_st_login_challenges_status"), "st_login_challenges", ["status"], unique=False
    )
    op.create_index(
        op.f("ix_st_login_challenges_user_id"), "st_login_challenges", ["user_id"], unique=False
    )
    op.create_table(
        "st_renewal_requests",
        sa.Column("renewal_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("certificate_serial", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("new_key", sa.Boolean(), nullable=False),
        sa.Column("after_password", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_serial", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("renewal_id", name=op.f("pk_st_renewal_requests")),
    )
    op.create_index(
        op.f("ix_st_renewal_requests_device_id"), "st_renewal_requests", ["device_id"], unique=False
    )
    op.create_index(
        op.f("ix_st_renewal_requests_status"), "st_renewal_requests", ["status"], unique=False
    )
    op.create_index(
        op.f("ix_st_renewal_requests_user_id"), "st_renewal_requests", ["user_id"], unique=False
    )
    op.create_table(
        "st_service_requests",
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("signed_form", sa.String(length=64), nullable=False),
        sa.Column("signed_form_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=72), nullable=False),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(length=72), nullable=True),
        sa.Column("review_started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=72), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("applied_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("effects", sa.JSON(), nullable=False),
        sa.Column("notified_to", sa.String(length=254), nullable=True),
        sa.Column("notified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_st_service_requests")),
    )
    op.create_index(
        op.f("ix_st_service_requests_state"), "st_service_requests", ["state"], unique=False
    )
    op.create_index(
        op.f("ix_st_service_requests_submitted_at"),
        "st_service_requests",
        ["submitted_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_st_service_requests_user_id"), "st_service_requests", ["user_id"], unique=False
    )


def drop() -> None:
    op.drop_index(op.f("ix_st_service_requests_user_id"), table_name="st_service_requests")
    op.drop_index(op.f("ix_st_service_requests_submitted_at"), table_name="st_service_requests")
    op.drop_index(op.f("ix_st_service_requests_state"), table_name="st_service_requests")
    op.drop_table("st_service_requests")
    op.drop_index(op.f("ix_st_renewal_requests_user_id"), table_name="st_renewal_requests")
    op.drop_index(op.f("ix_st_renewal_requests_status"), table_name="st_renewal_requests")
    op.drop_index(op.f("ix_st_renewal_requests_device_id"), table_name="st_renewal_requests")
    op.drop_table("st_renewal_requests")
    op.drop_index(op.f("ix_st_login_challenges_user_id"), table_name="st_login_challenges")
    op.drop_index(op.f("ix_st_login_challenges_status"), table_name="st_login_challenges")
    op.drop_index(op.f("ix_st_login_challenges_device_id"), table_name="st_login_challenges")
    op.drop_table("st_login_challenges")
    op.drop_index(op.f("ix_st_device_bindings_user_id"), table_name="st_device_bindings")
    op.drop_index(op.f("ix_st_device_bindings_renewed_serial"), table_name="st_device_bindings")
    op.drop_index(op.f("ix_st_device_bindings_certificate_serial"), table_name="st_device_bindings")
    op.drop_table("st_device_bindings")
    op.drop_index(op.f("ix_st_authenticator_events_user_id"), table_name="st_authenticator_events")
    op.drop_table("st_authenticator_events")
    op.drop_index(op.f("ix_st_activations_user_id"), table_name="st_activations")
    op.drop_table("st_activations")
