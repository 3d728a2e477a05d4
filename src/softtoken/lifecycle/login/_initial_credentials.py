"""Manual chapter 2, step 0: the initial Soft Token credentials of a GFMIS Token Key user.

Logged in with the hardware key, the person asks for "the initial Soft Token password".
The library gives the account a random password (nobody chooses it, ASVS 6.4.6),
returns it once to be shown once, keeps only its argon2id hash, marks it as one that
must be changed at first use, and lets it expire after
``policy.temporary_password_lifetime`` (ASVS 6.4.1). Asking again before the password
was changed replaces it; once the person has set a password of their own, step 0 is over.
The password has at least ``password_min_length_single_factor`` characters (it logs in
alone until it is changed) and is hashed before the transaction that stores it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import Account, AccountStatus, LoginType, apply_new_password
from softtoken.errors import StateError
from softtoken.lifecycle.login._gate import (
    StalePassword,
    new_password,
    retry_stale,
    supersede_challenges,
)

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["InitialCredentials", "InitialCredentialsService"]


@attrs.frozen(kw_only=True)
class InitialCredentials:
    """Shown once on the screen (the manual advises copying them); never stored in clear."""

    user_id: str
    password: str = attrs.field(repr=False)
    expires_at: datetime


class InitialCredentialsService:
    """``soft.initial_credentials``."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def issue(self, user_id: object, *, actor: str | None = None) -> InitialCredentials:
        """Issue the initial Soft Token password of a Token Key account.

        Args:
            user_id: the account the hardware key logged in to.
            actor: who asked, for the audit log (default: the account holder).

        Raises:
            NotFound: ``account_not_found``.
            StateError: ``initial_credentials_not_applicable`` (not a Token Key account),
                ``initial_password_already_set``, ``account_disabled``.
        """
        ctx = self._ctx
        uid = ctx.user_id(user_id)

        def round_() -> InitialCredentials:
            with ctx.unit_of_work().reading() as uow:
                read = _applicable(uow.accounts.get(uid))
            # Generated and hashed before the transaction that stores it (issue 12, M2).
            password, hashed = new_password(ctx, read)

            def work(uow: StorageUnitOfWork) -> InitialCredentials:
                account = _applicable(uow.accounts.get(uid))
                if account.context_words(ctx.portal_name) != read.context_words(ctx.portal_name):
                    raise StalePassword  # renamed meanwhile: the password may contain a name
                now = ctx.clock.now()
                expires_at = now + ctx.policy.temporary_password_lifetime
                updated = apply_new_password(
                    account, hashed, now=now, must_change=True, expires_at=expires_at
                )
                uow.accounts.update(updated)
                supersede_challenges(uow, uid.value)
                ctx.audit(
                    uow,
                    actor=actor or f"user:{uid.value}",
                    action="password.issue_initial",
                    subject=uid.value,
                    factor="token_key",
                )
                return InitialCredentials(
                    user_id=uid.value, password=password, expires_at=expires_at
                )

            return ctx.transact(work)

        return retry_stale(round_)


def _applicable(account: Account) -> Account:
    """The account, if step 0 applies to it.

    Raises:
        StateError: ``initial_credentials_not_applicable``, ``account_disabled``,
            ``initial_password_already_set``.
    """
    if account.login_type is not LoginType.TOKEN_KEY:
        raise StateError("initial_credentials_not_applicable")
    if account.status is AccountStatus.DISABLED:
        raise StateError("account_disabled")
    if account.password_hash is not None and not account.must_change_password:
        raise StateError("initial_password_already_set")
    return account
