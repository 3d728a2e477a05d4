"""Tables of the soft token on the phone: activations, device bindings and their history,
renewal requests, login challenges; and the service requests of chapter 7."""

from __future__ import annotations

import sqlalchemy as sa

from softtoken.storage.sql._types import KEYED_MAC, UTCDateTime, metadata
from softtoken.storage.sql._types import version_column as _version

__all__ = [
    "activations",
    "authenticator_events",
    "device_bindings",
    "login_challenges",
    "renewal_requests",
    "service_requests",
]

# --- devices, activation and push login: tables below this line --------------------------

# One row per activation QR code (manual chapter 2 step 5). The secret is kept only as an
# HMAC under the deployment's key; consuming it is a version-checked update.
activations = sa.Table(
    "st_activations",
    metadata,
    sa.Column("activation_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("secret_mac", sa.String(KEYED_MAC), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    sa.Column("device_id", sa.String(64), nullable=True),
    sa.Column("certificate_serial", sa.String(40), nullable=True),
    _version(),
)

# The soft token bound to an account: one row per device ever bound. ``active_user`` is
# the user ID while the binding is active and NULL after, so the unique constraint
# allows one active binding per account and any number of ended ones.
device_bindings = sa.Table(
    "st_device_bindings",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("active_user", sa.String(32), nullable=True, unique=True),
    sa.Column("certificate_serial", sa.String(40), nullable=False, index=True),
    # A renewal's new certificate until the device first uses it (then it becomes
    # certificate_serial and the old one is superseded).
    sa.Column("renewed_serial", sa.String(40), nullable=True, index=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("biometrics", sa.Boolean, nullable=False),
    sa.Column("bound_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("end_reason", sa.String(32), nullable=True),
    sa.Column("pushes_since_login", sa.Integer, nullable=False),
    sa.Column("last_push_at", UTCDateTime, nullable=True),
    _version(),
)

# Every authenticator event (B4 draft 4.1): bound, renewed, expired, revoked, unbound.
authenticator_events = sa.Table(
    "st_authenticator_events",
    metadata,
    sa.Column("event_id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("device_id", sa.String(64), nullable=False),
    sa.Column("certificate_serial", sa.String(40), nullable=True),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("detail", sa.String(64), nullable=True),
    _version(),
)

# Renewal requests (manual chapter 6, "Update Profile"): single use, one open per device.
renewal_requests = sa.Table(
    "st_renewal_requests",
    metadata,
    sa.Column("renewal_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("device_id", sa.String(64), nullable=False, index=True),
    sa.Column("certificate_serial", sa.String(40), nullable=False),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("new_key", sa.Boolean, nullable=False),
    sa.Column("after_password", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    sa.Column("new_serial", sa.String(40), nullable=True),
    _version(),
)

# Login challenges (manual chapter 3): one open per account, single use.
login_challenges = sa.Table(
    "st_login_challenges",
    metadata,
    sa.Column("challenge_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("device_id", sa.String(64), nullable=False, index=True),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("picture", sa.String(32), nullable=False),
    sa.Column("choices", sa.JSON, nullable=False),
    sa.Column("code_mac", sa.String(KEYED_MAC), nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("password_change_required", sa.Boolean, nullable=False),
    _version(),
)
# --- service requests: tables below this line --------------------------------------------

# Service requests (manual chapter 7): the checked form as JSON, the signed PDF (a
# document ID in st_documents or the deployment's document store), part 4 for officers,
# and what the approval did. ``state`` and ``submitted_at`` index the officers' queue
# and the overdue list (an answer is promised within an hour).
service_requests = sa.Table(
    "st_service_requests",
    metadata,
    sa.Column("request_id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("form", sa.JSON, nullable=False),
    sa.Column("signed_form", sa.String(64), nullable=False),
    sa.Column("signed_form_sha256", sa.String(64), nullable=False),
    sa.Column("recorded_by", sa.String(72), nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False, index=True),
    sa.Column("reviewer", sa.String(72), nullable=True),
    sa.Column("review_started_at", UTCDateTime, nullable=True),
    sa.Column("decision", sa.String(16), nullable=True),
    sa.Column("decided_by", sa.String(72), nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("rejection_reason", sa.String(500), nullable=True),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("applied_at", UTCDateTime, nullable=True),
    sa.Column("effects", sa.JSON, nullable=False),
    sa.Column("notified_to", sa.String(254), nullable=True),
    sa.Column("notified_at", UTCDateTime, nullable=True),
    _version(),
)
