"""Subject access: everything held about a person, as JSON (the Thai Personal
Data Protection Act's right of access, section 30; ASVS 5.0 14.2).

What is collected: the account; its registrations with the proofings they named and the
documents they hold (bytes in base64); the email bindings of its citizen ID and emails;
its service requests with their signed forms; its device bindings, certificates,
activations, renewals, login challenges and authenticator events; its one-time code and
TOTP state (whether one exists, when, how many failures); the mail sent to its addresses
(recipient, template, times: bodies are erased once sent); and the audit records about it.

What is never in it: secrets that protect the person (the password hash, code and secret
MACs, sealed TOTP seeds and mail bodies), which are shown as present or absent.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from softtoken.ports import Predicate, Row, Transaction
from softtoken.proofing._documents_store import DocumentStore
from softtoken.proofing.documents._review import DOCUMENT_KINDS
from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["EXPORT_FORMAT", "collect"]

#: Columns whose value protects the person: exported as whether they are set.
_SECRET_COLUMNS = frozenset(
    {"password_hash", "code_mac", "secret_mac", "sealed_secret", "sealed", "nonce", "lookup"}
)
EXPORT_FORMAT = "softtoken-subject-access/v1"


def _json(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _shown(row: Row) -> dict[str, object]:
    out: dict[str, object] = {}
    for column, value in row.items():
        if column in _SECRET_COLUMNS:
            out[f"{column}_set"] = value is not None
        elif column != "version":
            out[column] = _json(value)
    return out


#: Tables read by the account's user ID, exported under their name without ``st_``.
_BY_USER_ID = (
    "st_service_requests", "st_device_bindings", "st_certificates", "st_activations",
    "st_renewal_requests", "st_login_challenges", "st_authenticator_events",
    "st_totp_credentials",
)  # fmt: skip


def collect(uow: StorageUnitOfWork, store: DocumentStore, user_id: str) -> _Collector:
    """Read everything held about ``user_id`` (export shows it, erasure deletes it)."""
    held = _Collector(uow, store)
    _collect(held, user_id)
    return held


def _collect(held: _Collector, user_id: str) -> None:
    account = held.add("account", held.rows("st_accounts", "user_id", user_id))
    registrations = held.add("registrations", held.rows("st_registrations", "user_id", user_id))
    mine = [*account, *registrations]
    citizen_ids = sorted({str(r["citizen_id"]) for r in mine if r["citizen_id"]})
    emails = sorted({str(r["email"]) for r in mine if r["email"]})
    proofing_ids = [r["proofing_id"] for r in registrations]
    proofings = held.add("proofings", held.rows_in("st_proofings", "proofing_id", proofing_ids))
    held.add(
        "email_bindings",
        [
            *held.rows_in("st_email_bindings", "citizen_id", citizen_ids),
            *held.rows_in("st_email_bindings", "email", emails),
        ],
    )
    by_user = {
        t: held.add(t.removeprefix("st_"), held.rows(t, "user_id", user_id)) for t in _BY_USER_ID
    }
    held.add("one_time_codes", held.rows_in("st_otp_codes", "subject", [user_id, *emails]))
    held.add("mail", held.rows_in("st_outbox", "recipient", emails))
    held.add("audit_records", held.rows("st_audit_events", "subject", user_id))
    held.documents(r["assignment_order"] for r in registrations)
    held.documents(scan(p) for p in proofings for scan in _PROOFING_SCANS)
    held.documents(r["signed_form"] for r in by_user["st_service_requests"])


def _scan(kind: str) -> Callable[[Row], object]:
    def read(row: Row) -> object:
        state = row["state"]
        return state.get(kind) if isinstance(state, dict) else None

    return read


_PROOFING_SCANS = tuple(_scan(kind) for kind in DOCUMENT_KINDS)


class _Collector:
    """The rows read so far, shown without their secrets, and the documents they hold."""

    def __init__(self, uow: StorageUnitOfWork, store: DocumentStore) -> None:
        self._tx: Transaction = uow.transaction
        self._uow, self._store = uow, store
        self.out: dict[str, Any] = {"documents": []}
        self.count = 0
        #: Each read as (table, conditions, rows found): what erasure deletes.
        self.reads: list[tuple[str, list[Predicate], list[Row]]] = []
        self.document_ids: list[str] = []

    def rows(self, table: str, column: str, value: object) -> list[Row]:
        return self._read(table, [(column, "=", value)])

    def rows_in(self, table: str, column: str, values: Iterable[object]) -> list[Row]:
        wanted = list(dict.fromkeys(v for v in values if v is not None))
        return self._read(table, [(column, "in", wanted)]) if wanted else []

    def _read(self, table: str, where: list[Predicate]) -> list[Row]:
        found = self._tx.select(table, where)
        self.reads.append((table, where, found))
        return found

    def add(self, name: str, rows: list[Row]) -> list[Row]:
        self.out[name] = [_shown(r) for r in rows]
        self.count += len(rows)
        return rows

    def documents(self, ids: Iterable[object]) -> None:
        for document_id in ids:
            if isinstance(document_id, str) and document_id:
                self.document_ids.append(document_id)
                content = self._store.get(self._uow, document_id)
                self.out["documents"].append(
                    {"document_id": document_id, "content": _json(content)}
                )
