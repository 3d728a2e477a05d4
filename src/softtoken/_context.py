"""What every service shares: policy, clock, storage, keys, and the two side effects a
transition may cause (an audit entry, an email), both written in the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

import attrs

from softtoken._keys import ServerKeys
from softtoken.accounts import _boundary
from softtoken.accounts._identifiers import UserId
from softtoken.accounts._passwords import PasswordHasher
from softtoken.audit._chain import AuditEntry, DetailValue, Outcome
from softtoken.mail._templates import render
from softtoken.policy import Policy
from softtoken.ports import Clock
from softtoken.storage._unit_of_work import retrying

if TYPE_CHECKING:
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = ["ServiceContext"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class ServiceContext:
    policy: Policy
    clock: Clock
    keys: ServerKeys
    hasher: PasswordHasher
    portal_name: str
    unit_of_work: Callable[[], StorageUnitOfWork]

    def user_id(self, raw: object) -> UserId:
        """Parse a user ID with the deployment's pattern."""
        return UserId.parse(
            raw, pattern=self.policy.user_id_pattern, length=self.policy.user_id_length
        )

    def text(self, raw: object, field: str, *, allow_newlines: bool = False) -> str:
        """Free text from a public call (a name, a reason, a note, an actor) checked at
        the boundary: valid Unicode, no NUL or control character, at most
        ``policy.text_max_length`` code points. Raises ``ValidationError``."""
        return _boundary.text(
            raw, field, max_length=self.policy.text_max_length, allow_newlines=allow_newlines
        )

    def transact(self, work: Callable[[StorageUnitOfWork], T], *, min_attempts: int = 1) -> T:
        """Run ``work`` in a unit of work and commit; retried when it lost a race
        (``policy.transaction_attempts`` times, or ``min_attempts`` if more).

        Raises:
            Busy: ``busy_try_again``, the race was lost on every attempt the policy
                allows (``transaction_attempts``). Nothing was written.
            StorageUnavailable: the database failed; not retried, because a commit that
                failed may have been applied (the next call sees what it did).
        """

        def once() -> T:
            with self.unit_of_work() as uow:
                result = work(uow)
                uow.commit()
                return result

        policy = self.policy
        return retrying(
            once,
            attempts=max(min_attempts, policy.transaction_attempts),
            first_delay=policy.transaction_backoff_first.total_seconds(),
            max_delay=policy.transaction_backoff_max.total_seconds(),
        )

    def audit(
        self,
        uow: StorageUnitOfWork,
        *,
        actor: str,
        action: str,
        subject: str,
        outcome: Outcome = "success",
        **details: DetailValue,
    ) -> None:
        # The last line of the boundary: whatever text a call forgot to check is refused
        # here, inside the unit of work (so nothing is written), not by the database's
        # encoder at commit.
        self.text(actor, "actor")
        self.text(subject, "subject")
        for name, value in details.items():
            if isinstance(value, str):
                self.text(value, name, allow_newlines=True)
        uow.audit.append(
            AuditEntry(
                at=self.clock.now(),
                actor=actor,
                action=action,
                subject=subject,
                outcome=outcome,
                details=details,
            )
        )

    def email(
        self, uow: StorageUnitOfWork, template: str, to: str, params: Mapping[str, str]
    ) -> None:
        message = render(template, to, params, portal=self.portal_name)
        uow.outbox.add(message, now=self.clock.now())
