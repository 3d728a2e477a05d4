"""``soft.privacy``: subject access (``_export.py``), closing accounts (``_closure.py``)
and erasure (``_erase.py``); docs/privacy.md."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from softtoken._clock import utc
from softtoken._context import ServiceContext
from softtoken.accounts import _boundary
from softtoken.accounts._account import Account
from softtoken.accounts._officer import Officer
from softtoken.errors import ValidationError
from softtoken.privacy._closure import close_account
from softtoken.privacy._erase import erase_due, erase_in, find
from softtoken.privacy._export import EXPORT_FORMAT, collect
from softtoken.proofing._documents_store import DocumentStore
from softtoken.storage._unit_of_work import StorageUnitOfWork

if TYPE_CHECKING:
    from softtoken.ca._service import CaService

__all__ = ["PrivacyService"]


class PrivacyService:
    def __init__(self, context: ServiceContext, *, documents: DocumentStore, ca: CaService) -> None:
        self._ctx = context
        self._documents = documents
        self._ca = ca

    def export(self, user_id: object) -> dict[str, Any]:
        """Everything held about the account's holder, JSON-ready, read in one
        transaction (a consistent picture). The export is audited (who asked is the
        portal's business; the record says an export was made, never its content).

        Raises:
            ValidationError: ``invalid_user_id``. NotFound: ``account_not_found``.
        """
        uid = self._ctx.user_id(user_id)

        def work(uow: StorageUnitOfWork) -> dict[str, Any]:
            uow.accounts.get(uid)  # NotFound for an unknown account
            held = collect(uow, self._documents, uid.value)
            self._ctx.audit(uow, actor="system", action="privacy.export", subject=uid.value,
                            records=held.count)  # fmt: skip
            return {
                "format": EXPORT_FORMAT,
                "user_id": uid.value,
                "exported_at": self._ctx.clock.now().isoformat(),
                **held.out,
            }

        return self._ctx.transact(work)

    def close(self, user_id: object, *, officer: Officer | str, reason: str) -> Account:
        """An officer closes the account (``_closure.py``): its soft token is revoked,
        it is disabled for good, and erasure may follow after
        ``policy.retention_closed_accounts``. ``reason`` is one of
        :data:`CLOSURE_REASONS` (``left_service``, ``transferred``, ``deceased``,
        ``opened_in_error``).

        Raises:
            ValidationError: ``invalid_user_id``, ``officer_required``,
                ``closure_reason_invalid``.
            StateError: ``officer_own_account``, ``account_closed``.
            NotFound: ``account_not_found``.
        """
        return close_account(self._ctx, self._ca, user_id, officer=officer, reason=reason)

    def erase(
        self,
        user_id: object,
        *,
        now: datetime | None = None,
        officer: Officer | str | None = None,
    ) -> dict[str, int]:
        """Remove the personal data of an account closed past its retention, in one
        transaction (``_erase.py``); audit records keep only pseudonyms of the person
        and the chain still verifies. Returns the rows removed per table. ``now``
        defaults to the clock's.

        Raises:
            ValidationError: ``invalid_user_id``, ``invalid_time``, ``officer_required``.
            NotFound: ``account_not_found`` (never held, or erased already).
            StateError: ``account_not_closed``, ``retention_not_over``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)
        at = _when(ctx, now)
        actor = "system" if officer is None else Officer.parse(officer).actor

        hint = find(ctx, self._documents, uid)

        def work(uow: StorageUnitOfWork) -> dict[str, int]:
            return erase_in(ctx, self._documents, uow, uid, now=at, actor=actor, hint=hint)

        return ctx.transact(work)

    def erase_due(self, now: datetime | None = None, *, limit: int | None = None) -> int:
        """Erase up to ``limit`` (``policy.purge_batch_size``) accounts closed past
        their retention, each in a transaction of its own; returns how many were
        erased. ``soft.maintenance.purge`` runs it as the rule ``closed_accounts``.

        Raises:
            ValidationError: ``invalid_time``, ``invalid_batch_size`` (``limit`` below 1).
        """
        at = _when(self._ctx, now)
        size = self._ctx.policy.purge_batch_size if limit is None else limit
        size = _boundary.count(size, "limit", code="invalid_batch_size")
        return erase_due(self._ctx, self._documents, now=at, limit=size)


def _when(ctx: ServiceContext, now: datetime | None) -> datetime:
    if now is None:
        return ctx.clock.now()
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValidationError("invalid_time", field="now")
    return utc(now)
