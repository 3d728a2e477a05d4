"""``soft.privacy.close``: an officer closes the account of someone who left (the
manual's holder who "resigned" or "was transferred" out of the agency, or died), or of
an account opened in error.

Closing, in one transaction: the soft token ends as self-revocation ends it (the
certificate is revoked, so the CRL and OCSP say so at once; the binding ends; pending
challenges and renewals stop; a notice goes to the registered email); the account is
disabled for good and forgets its password; ``closed_at`` starts the retention period
after which ``soft.privacy.erase`` may remove the person's data.

Closing is final: :meth:`AccountService.enable` refuses a closed account, and the user
ID stays taken while the account row exists. After erasure the ID is free again; a
person who returns gets a new account (CGD issues user IDs), and the audit log shows,
by pseudonym, that the ID was used before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import Account, AccountStatus
from softtoken.accounts._officer import Officer
from softtoken.ca._revocation import RevocationReason
from softtoken.errors import StateError, ValidationError
from softtoken.lifecycle.bindings import BindingTable
from softtoken.lifecycle.revocation._service import end_soft_token

if TYPE_CHECKING:
    from softtoken.ca._service import CaService
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["CLOSURE_REASONS", "close_account"]

#: Why an account closes -> the CRL reason of its certificate (RFC 5280 5.3.1).
CLOSURE_REASONS: dict[str, RevocationReason] = {
    "left_service": RevocationReason.HOLDER_RESIGNED,  # resigned, retired, dismissed
    "transferred": RevocationReason.HOLDER_TRANSFERRED,  # moved out of the agency
    "deceased": RevocationReason.HOLDER_RESIGNED,  # cessation of operation
    "opened_in_error": RevocationReason.PRIVILEGE_WITHDRAWN,
}


def close_account(
    ctx: ServiceContext, ca: CaService, user_id: object, *, officer: object, reason: object
) -> Account:
    """Raises:
    ValidationError: ``officer_required``, ``closure_reason_invalid``.
    StateError: ``officer_own_account``, ``account_closed``.
    NotFound: ``account_not_found``.
    """
    uid = ctx.user_id(user_id)
    who = Officer.parse(officer)
    who.refuse_own_account(uid)
    if not isinstance(reason, str) or reason not in CLOSURE_REASONS:
        raise ValidationError("closure_reason_invalid", field="reason")
    why = CLOSURE_REASONS[reason]

    def work(uow: StorageUnitOfWork) -> Account:
        if uow.accounts.get(uid).closed_at is not None:
            raise StateError("account_closed")
        binding = uow.repository(BindingTable).active_for(uid.value)
        serials: tuple[str, ...] = ()
        if binding is not None:
            serials = end_soft_token(ctx, ca, uow, binding, reason=why, actor=who.actor)
        now = ctx.clock.now()
        account = uow.accounts.get(uid)  # as the revocation left it
        stored = uow.accounts.update(
            attrs.evolve(
                account,
                status=AccountStatus.DISABLED,
                closed_at=now,
                password_hash=None,
                must_change_password=False,
                password_expires_at=None,
                updated_at=now,
            )
        )
        ctx.audit(uow, actor=who.actor, action="account.close", subject=uid.value,
                  reason=reason, revoked=len(serials))  # fmt: skip
        return stored

    return ctx.transact(work)
