"""The database schema, as a public SQLAlchemy ``MetaData``.

Host applications can include :data:`metadata` in their own migrations (Alembic's
``target_metadata = [app_metadata, softtoken.storage.sql.metadata]``), or let
``softtoken db init --url URL`` create the tables. The in-memory adapter reads the same
tables for its primary keys, unique constraints and indexes, so both enforce the same rules.

Every aggregate table has a ``version`` column for optimistic concurrency. The tables are
defined by area in ``_tables_accounts`` and ``_tables_devices``; importing this module
registers them all on :data:`metadata`.
"""

from __future__ import annotations

from softtoken.storage.sql._tables_accounts import (
    accounts,
    attempt_counters,
    audit_events,
    audit_head,
    certificates,
    crl_numbers,
    document_owners,
    documents,
    email_bindings,
    otp_codes,
    outbox,
    proofings,
    registrations,
    totp_credentials,
)
from softtoken.storage.sql._tables_devices import (
    activations,
    authenticator_events,
    device_bindings,
    login_challenges,
    renewal_requests,
    service_requests,
)
from softtoken.storage.sql._types import UTCDateTime, metadata

__all__ = [
    "UTCDateTime",
    "accounts",
    "activations",
    "attempt_counters",
    "audit_events",
    "audit_head",
    "authenticator_events",
    "certificates",
    "crl_numbers",
    "device_bindings",
    "document_owners",
    "documents",
    "email_bindings",
    "login_challenges",
    "metadata",
    "otp_codes",
    "outbox",
    "proofings",
    "registrations",
    "renewal_requests",
    "service_requests",
    "totp_credentials",
]
