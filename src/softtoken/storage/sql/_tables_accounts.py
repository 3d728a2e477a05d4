"""Tables of the foundation (accounts, outbox, audit), one-time codes, the certificate
authority, and registration with identity proofing."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from softtoken.storage.sql._types import KEYED_MAC, SEALED_ID, SEALED_NAME, UTCDateTime, metadata
from softtoken.storage.sql._types import version_column as _version

__all__ = [
    "accounts",
    "attempt_counters",
    "audit_events",
    "audit_head",
    "certificates",
    "crl_numbers",
    "document_owners",
    "documents",
    "email_bindings",
    "otp_codes",
    "outbox",
    "proofings",
    "registrations",
    "totp_credentials",
]

# --- foundation: accounts, outbox, audit ------------------------------------------------

accounts = sa.Table(
    "st_accounts",
    metadata,
    sa.Column("user_id", sa.String(32), primary_key=True),
    # Sealed (st1:<kid>:<base64>) unless Policy.names_searchable; docs/privacy.md.
    sa.Column("first_name", sa.String(SEALED_NAME), nullable=False),
    sa.Column("last_name", sa.String(SEALED_NAME), nullable=False),
    sa.Column("email", sa.String(254), nullable=True, index=True),
    sa.Column("disbursement_unit", sa.String(10), nullable=True),
    # Sealed; found through ``citizen_index``, its keyed blind index (storage/_sealing.py).
    sa.Column("citizen_id", sa.String(SEALED_ID), nullable=True),
    sa.Column("citizen_index", sa.String(KEYED_MAC), nullable=True, index=True),
    sa.Column("login_type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("must_change_password", sa.Boolean, nullable=False),
    sa.Column("password_expires_at", UTCDateTime, nullable=True),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("last_login_at", UTCDateTime, nullable=True),
    sa.Column("registration_completed", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # Set when an officer closes the account (revision 0007); erasure counts from it.
    sa.Column("closed_at", UTCDateTime, nullable=True),
    _version(),
)

outbox = sa.Table(
    "st_outbox",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("template", sa.String(64), nullable=False),
    # The rendered message, encrypted under the deployment's key: it can hold a one-time
    # code or a new password, which must never rest in clear (ASVS 6.5.2). Erased once sent.
    sa.Column("sealed", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=True, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    _version(),
)

# Records of every chain (softtoken.audit._chains): ``seq`` counts within its chain.
# Rows from before chains are chain 1, which they verify as unchanged (revision 0006).
audit_events = sa.Table(
    "st_audit_events",
    metadata,
    sa.Column("chain", sa.Integer, primary_key=True, autoincrement=False, server_default="1"),
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    # Clear values, NULL once erased; format 2 hashes the pseudonyms beside them
    # (revision 0007, softtoken.audit._pseudonyms).
    sa.Column("actor", sa.String(64), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(128), nullable=True, index=True),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("format", sa.SmallInteger, nullable=False, server_default="1"),
    sa.Column("key_id", sa.String(32), nullable=True),
    sa.Column("actor_ref", sa.String(40), nullable=True),
    sa.Column("subject_ref", sa.String(40), nullable=True, index=True),
    sa.Column("detail_refs", sa.JSON, nullable=True),
    sa.Column("legacy_hash", sa.String(64), nullable=True),
)

# One row per chain (`id` is the chain): its newest sequence number and hash, sealed by
# `mac` ("v2:<key ID>:" + HMAC under a key derived from the audit key; softtoken.audit._seal).
# Appenders lock their chain's row, which orders that chain across processes, and it
# lets `verify` notice rows cut from the end.
# `mac` is nullable only so that an existing table can gain the column; a head without
# one never verifies (docs/audit.md: upgrading).
audit_head = sa.Table(
    "st_audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # "v2:<key ID up to 16>:<64 hex>" (revision 0007; "v1:<64 hex>" before key IDs).
    sa.Column("mac", sa.String(100), nullable=True),
    # The chain count a "v2" head is sealed for (its MAC covers it); NULL in the one
    # "v1" head of a log from before chains (revision 0006).
    sa.Column("chains", sa.Integer, nullable=True),
)

# --- one-time codes (softtoken.otp): tables below this line ------------------------------

# One row per (purpose, subject): the newest email code, only as an HMAC under the
# server's otp key (ASVS 6.5.2), and the counters that outlive each code (a new code
# never resets ``failures``, B4 3.1.3.2).
otp_codes = sa.Table(
    "st_otp_codes",
    metadata,
    sa.Column("purpose", sa.String(32), primary_key=True),
    sa.Column("subject", sa.String(254), primary_key=True),
    sa.Column("code_id", sa.String(32), nullable=True),
    sa.Column("code_mac", sa.String(KEYED_MAC), nullable=True),
    sa.Column("issued_at", UTCDateTime, nullable=True),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("used_at", UTCDateTime, nullable=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    _version(),
)

# Attempt counters keyed by (scope, HMAC of the key): the forgot-password form counts
# mismatches per user ID and per client key here, so every process sees the same lock.
attempt_counters = sa.Table(
    "st_attempt_counters",
    metadata,
    sa.Column("scope", sa.String(32), primary_key=True),
    sa.Column("key_mac", sa.String(KEYED_MAC), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    _version(),
)

# TOTP offline fallback: the shared secret sealed under the server key, and the last
# accepted time step (each step is accepted once).
totp_credentials = sa.Table(
    "st_totp_credentials",
    metadata,
    sa.Column("user_id", sa.String(32), primary_key=True),
    sa.Column("sealed_secret", sa.LargeBinary, nullable=False),
    sa.Column("last_step", sa.BigInteger, nullable=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    _version(),
)

# --- certificate authority (softtoken.ca): tables below this line ------------------------

# Every device certificate ever issued (B4 draft 4.1: keep a record of every
# authenticator bound), with its life: renewed from / superseded by, revoked and why.
# Serials are 64 to 159 random bits, kept as lower-case hex (too wide for BIGINT).
certificates = sa.Table(
    "st_certificates",
    metadata,
    sa.Column("serial", sa.String(40), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("device_id", sa.String(64), nullable=True, index=True),
    sa.Column("key_fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("key_type", sa.String(16), nullable=False),
    sa.Column("not_before", UTCDateTime, nullable=False),
    sa.Column("not_after", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.Column("renewed_from", sa.String(40), nullable=True),
    sa.Column("superseded_by", sa.String(40), nullable=True),
    sa.Column("superseded_at", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("revocation_reason", sa.String(32), nullable=True),
    sa.Column("der", sa.LargeBinary, nullable=False),
    _version(),
)
# The last CRL number issued (RFC 5280 5.2.3: "monotonically increasing"), one row per
# issuing CA. Advanced by a version-checked update in the transaction that reads the CRL's
# entries, so two processes making a CRL at once never publish the same number.
crl_numbers = sa.Table(
    "st_crl_numbers",
    metadata,
    sa.Column("issuer", sa.String(64), primary_key=True),
    sa.Column("number", sa.BigInteger, nullable=False),
    _version(),
)
# --- registration and proofing: tables below this line -----------------------------------

# One row per identity proofing (softtoken.proofing): the pending request a QR code or a
# document review stands for, and its result. ``lookup`` finds the proofing from the
# provider's answer (a hash of the Pao Tang nonce, never the nonce); it is unique so
# that one answer can complete one proofing only.
proofings = sa.Table(
    "st_proofings",
    metadata,
    sa.Column("proofing_id", sa.String(32), primary_key=True),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False, index=True),
    sa.Column("citizen_id", sa.String(SEALED_ID), nullable=False),
    sa.Column("lookup", sa.String(64), nullable=True, unique=True),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("result", sa.JSON, nullable=True),
    sa.Column("failure", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    _version(),
)

# Registrations (manual chapter 2 steps 1 to 5). ``open_for`` holds the user ID while the
# registration is open and NULL once it ended: its unique constraint is the rule "one
# open registration per account" on every adapter (NULLs never clash).
registrations = sa.Table(
    "st_registrations",
    metadata,
    sa.Column("registration_id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), nullable=False, index=True),
    sa.Column("open_for", sa.String(32), nullable=True, unique=True),
    sa.Column("state", sa.String(24), nullable=False, index=True),
    sa.Column("citizen_id", sa.String(SEALED_ID), nullable=True),
    sa.Column("consent_version", sa.String(64), nullable=True),
    sa.Column("consent_at", UTCDateTime, nullable=True),
    sa.Column("assignment_order", sa.String(64), nullable=True),
    sa.Column("proofing_id", sa.String(32), nullable=True),
    sa.Column("identity", sa.JSON, nullable=True),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("code_sent_to", sa.String(254), nullable=True),
    sa.Column("email_verified", sa.String(254), nullable=True),
    sa.Column("submitted_at", UTCDateTime, nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("rejection_reason", sa.String(500), nullable=True),
    sa.Column("activated_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False, index=True),
    _version(),
)

# "An email is bound to one citizen ID and cannot be shared" (manual chapter 2 step 3):
# keyed by the email, so two registrations racing to bind one email to two citizen IDs
# cannot both insert; the loser sees ``email_taken``.
email_bindings = sa.Table(
    "st_email_bindings",
    metadata,
    sa.Column("email", sa.String(254), primary_key=True),
    sa.Column("citizen_id", sa.String(SEALED_ID), nullable=False),
    sa.Column("citizen_index", sa.String(KEYED_MAC), nullable=False, index=True),
    sa.Column("registration_id", sa.String(32), nullable=False),
    sa.Column("bound_at", UTCDateTime, nullable=False),
    _version(),
)

# Uploaded documents (the assignment order, ID card copies) kept by the database
# document store, written in the same transaction as the registration that refers to them.
documents = sa.Table(
    "st_documents",
    metadata,
    sa.Column("document_id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("media_type", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column(
        "content",
        sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb"),
        nullable=False,
    ),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# Who each uploaded document belongs to (an account's user ID, or the proofing's subject),
# whichever store keeps the bytes: the per-owner cap (``policy.documents_per_user_max``)
# counts these small rows inside the upload's transaction, never the blobs.
document_owners = sa.Table(
    "st_document_owners",
    metadata,
    sa.Column("document_id", sa.String(32), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
