"""``soft.privacy.erase``: remove the personal data of an account closed past its
retention (the Thai Personal Data Protection Act, section 37(3); ASVS 5.0 14.2.7).

One transaction, so a failure anywhere leaves storage as it was:

1. the account must be closed for ``policy.retention_closed_accounts`` and every one of
   its certificates expired (a revoked certificate stays on the CRL until it expires,
   RFC 5280 3.3, and the CRL is built from the certificate rows);
2. audit records from before revision 0007 are converted to format 2 (their hashes
   cover clear values; ``AuditTable.convert``);
3. every row that export collects (``_export.collect``) is deleted with its documents;
4. every clear actor, subject or text detail in the audit log that contains the
   person's user ID, citizen ID or email, or is their name, is blanked, leaving its
   pseudonym (found first in short transactions: :func:`find`);
5. one record, ``privacy.erase``, names the person by pseudonym and gives counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import Account
from softtoken.accounts._identifiers import UserId
from softtoken.audit._chain import AuditEntry, DetailValue
from softtoken.audit._pseudonyms import pseudonym
from softtoken.audit._service import convert_in
from softtoken.errors import NotFound, StateError
from softtoken.ports import Predicate, Row
from softtoken.privacy._export import collect
from softtoken.proofing._documents_store import DocumentStore, drop_documents
from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["Found", "erase_due", "erase_in", "find"]

_AUDIT = "st_audit_events"
_ACCOUNTS = "st_accounts"
_OWNERS = "st_document_owners"


def erase_in(
    ctx: ServiceContext,
    store: DocumentStore,
    uow: StorageUnitOfWork,
    uid: UserId,
    *,
    now: datetime,
    actor: str,
    hint: Found | None = None,
) -> dict[str, int]:
    """Erase in the caller's unit of work; returns rows removed per table (without
    ``st_``) and ``audit_records`` blanked. ``hint`` (from :func:`find`) spares the
    transaction reading the whole audit log when the person's identifiers are still
    those it searched for.

    Raises:
        NotFound: ``account_not_found``.
        StateError: ``account_not_closed``; ``retention_not_over`` (the period, or a
            certificate not yet expired).
    """
    account = uow.accounts.get(uid)
    _check_due(ctx, account, now)
    held = collect(uow, store, uid.value)
    if any(row["not_after"] > now for row in _rows(held.reads, "st_certificates")):  # type: ignore[operator]
        raise StateError("retention_not_over", detail="a certificate has not expired")
    convert_in(uow, ctx.clock.now())
    ids, names = _identifiers(account, held.reads)
    counts: dict[str, int] = {}
    tx = uow.transaction
    for table, where, _found in held.reads:
        if table != _AUDIT:
            gone = tx.delete(table, where)
            if gone:
                key = table.removeprefix("st_")
                counts[key] = counts.get(key, 0) + gone
    drop_documents(uow, store, held.document_ids)
    counts["documents"] = len(held.document_ids)
    # Uploads a proofing kept under the person's citizen ID or email (issue 12 L2).
    counts["document_owners"] = tx.delete(_OWNERS, [("owner", "in", sorted(ids))])
    if hint is not None and (hint.ids, hint.names) == (ids, names):
        blanked = uow.audit.erase(ids, names=names, found=hint.found, read_up_to=hint.read_up_to)
    else:
        blanked = uow.audit.erase(ids, names=names)
    counts["audit_records"] = blanked
    # Counts only; the subject is the person's pseudonym, never the clear user ID.
    details: dict[str, DetailValue] = {k: v for k, v in sorted(counts.items()) if v}
    subject = pseudonym(uow.keys, uid.value)
    uow.audit.append(AuditEntry(at=ctx.clock.now(), actor=actor, action="privacy.erase",
                                subject=subject, details=details))  # fmt: skip
    return counts


@attrs.frozen
class Found:
    """Where the person's clear values are in the audit log, as read before erasing."""

    ids: set[str]
    names: set[str]
    #: (chain, seq) of the records that name the person.
    found: tuple[tuple[int, int], ...]
    #: Chain -> the last sequence number the search read.
    read_up_to: Mapping[int, int]


def find(ctx: ServiceContext, store: DocumentStore, uid: UserId) -> Found | None:
    """Search the audit log for the person in short transactions, a page each, so
    the erasing transaction (which on SQLite holds the write lock) reads only what
    this found and what was written since. None when there is no such account."""
    with ctx.unit_of_work().reading() as uow:
        account = uow.accounts.find(uid)
        if account is None or account.closed_at is None:
            return None  # refused in the transaction: no need to search
        ids, names = _identifiers(account, collect(uow, store, uid.value).reads)
    with ctx.unit_of_work().reading() as uow:
        chains = uow.audit.chain_ids()
    found: list[tuple[int, int]] = []
    read_up_to: dict[int, int] = {}
    for chain in chains:
        last, after = -1, 0
        while after != last:
            last = after
            with ctx.unit_of_work().reading() as uow:
                page, after = uow.audit.named(ids, names=names, chain=chain, after=after)
            found += [(chain, seq) for seq in page]
        read_up_to[chain] = last
    return Found(ids=ids, names=names, found=tuple(found), read_up_to=read_up_to)


def erase_due(ctx: ServiceContext, store: DocumentStore, *, now: datetime, limit: int) -> int:
    """Erase up to ``limit`` accounts closed past their retention, each in a
    transaction of its own (the purge rule ``closed_accounts``). An account whose
    erasure is refused (a certificate still valid, or erased meanwhile by another
    purge) is skipped. Returns how many were erased."""
    cutoff = now - ctx.policy.retention_closed_accounts
    with ctx.unit_of_work().reading() as uow:
        due = uow.transaction.select(_ACCOUNTS, [("closed_at", "<=", cutoff)],
                                     order_by=("user_id",), limit=limit)  # fmt: skip
    erased = 0
    for row in due:
        uid = ctx.user_id(row["user_id"])

        hint = find(ctx, store, uid)

        def work(uow: StorageUnitOfWork, uid: UserId = uid, hint: Found | None = hint) -> bool:
            try:
                erase_in(ctx, store, uow, uid, now=now, actor="system:purge", hint=hint)
            except (NotFound, StateError):
                return False
            return True

        erased += ctx.transact(work)
    return erased


def _check_due(ctx: ServiceContext, account: Account, now: datetime) -> None:
    if account.closed_at is None:
        raise StateError("account_not_closed")
    due = account.closed_at + ctx.policy.retention_closed_accounts
    if now < due:
        raise StateError("retention_not_over", detail=f"erasable from {due.isoformat()}")


_Reads = list[tuple[str, list[Predicate], list[Row]]]


def _rows(reads: _Reads, table: str) -> list[Row]:
    return [row for name, _where, rows in reads if name == table for row in rows]


_NAMING_COLUMNS = ("citizen_id", "email", "code_sent_to", "notified_to", "subject")
_NAME_KEYS = ("first_name", "last_name", "first_name_en", "last_name_en")
_NAMING_TABLES = ("st_registrations", "st_email_bindings", "st_proofings", "st_service_requests")


def _identifiers(account: Account, reads: _Reads) -> tuple[set[str], set[str]]:
    """What names the person, as the account and the rows about them hold it: IDs
    (user ID, citizen IDs, emails, a provider's subject) and names (each part, and
    the full name), Thai and English."""
    ids = {account.user_id.value}
    ids |= {v.value for v in (account.email, account.citizen_id) if v is not None}
    names = {account.first_name, account.last_name, account.full_name}
    for table in _NAMING_TABLES:
        for row in _rows(reads, table):
            ids |= {v for c in _NAMING_COLUMNS if isinstance(v := row.get(c), str) and v}
            identity = row.get("identity")
            if isinstance(identity, dict):
                parts = [identity.get(k) for k in _NAME_KEYS]
                names |= {p for p in parts if isinstance(p, str) and p}
                for first, last in (parts[:2], parts[2:]):
                    if isinstance(first, str) and isinstance(last, str):
                        names.add(f"{first} {last}")
    return ids, names
