"""What is kept, and for how long: one rule per kind of row that has outlived its use.

A rule is pure: given the policy and ``now`` it names the table, its key columns, and the
conditions under which a row may go (sets of predicates; a row that matches any one set
goes). The same conditions are repeated in each delete, so a row that live traffic
touched after the purge read it (a counter that counted again, a code that was resent)
no longer matches and stays. ``docs/privacy.md`` gives each period's reason.

A rule whose rows hold documents (an assignment order, ID-card scans, a signed form)
names them, and the purge deletes them with the row, in the same transaction. A rule
may also keep a row that matches its conditions but is still referred to (a proofing
that a registration names).

What no rule touches: accounts, bindings, certificates, email bindings, TOTP credentials
and the audit log (records of what happened, kept for the account's life), attempt
counters at a hard limit (an officer clears those), and anything still in use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from softtoken.policy import Policy
from softtoken.ports import Predicate, Row, Transaction
from softtoken.proofing.documents._review import DOCUMENT_KINDS

__all__ = ["RULES", "RetentionRule"]

#: Alternatives, each a conjunction of predicates.
Conditions = Sequence[Sequence[Predicate]]


@attrs.frozen(kw_only=True)
class RetentionRule:
    #: The name counts are reported and audited under.
    name: str
    table: str
    keys: tuple[str, ...]
    conditions: Callable[[Policy, datetime], Conditions]
    #: The documents a row holds, deleted with it.
    documents: Callable[[Row], Sequence[str | None]] = lambda _row: ()
    #: True for a row that matches but is still referred to elsewhere.
    referred_to: Callable[[Transaction, Row], bool] = lambda _tx, _row: False


def _one_time_codes(policy: Policy, now: datetime) -> Conditions:
    # A code row also carries its subject's failure count and lockout: only a row with
    # nothing to remember (no failures, not disabled, not locked) may go.
    quiet = now - policy.retention_one_time_codes
    return [
        [
            ("failures", "=", 0),
            ("disabled", "=", False),
            ("updated_at", "<", quiet),
            ("locked_until", "is_null", None),
        ],
        [
            ("failures", "=", 0),
            ("disabled", "=", False),
            ("updated_at", "<", quiet),
            ("locked_until", "<", now),
        ],
    ]


def _attempt_counters(policy: Policy, now: datetime) -> Conditions:
    # Form counters lock by time alone; one idle past its lock and the retention period
    # changes nothing by existing. A count at a hard limit is left for an officer.
    quiet = now - policy.retention_attempt_counters
    limit = min(policy.login_hard_limit, policy.otp_hard_limit)
    idle: list[Predicate] = [("updated_at", "<", quiet), ("failures", "<", limit)]
    return [[*idle, ("locked_until", "is_null", None)], [*idle, ("locked_until", "<", now)]]


def _challenges(policy: Policy, now: datetime) -> Conditions:
    return [[("expires_at", "<", now - policy.retention_challenges)]]


def _activations(policy: Policy, now: datetime) -> Conditions:
    return [[("expires_at", "<", now - policy.retention_activations)]]


def _renewal_requests(policy: Policy, now: datetime) -> Conditions:
    # A pending request past its expiry is already dead; the status is read, not derived.
    return [[("expires_at", "<", now - policy.retention_renewal_requests)]]


def _delivered_mail(policy: Policy, now: datetime) -> Conditions:
    # Bodies are erased once sent; what stays is who was written to, and which template.
    return [
        [("sent_at", "not_null", None), ("sent_at", "<", now - policy.retention_delivered_mail)],
        [
            ("sent_at", "is_null", None),
            ("next_attempt_at", "is_null", None),  # given up
            ("created_at", "<", now - policy.retention_undeliverable_mail),
        ],
    ]


# Closed for good: rejected, stopped by chapter 1 A, expired unfinished, cancelled.
_CLOSED_REGISTRATIONS = ("rejected", "stopped", "expired", "cancelled")
# A request that ended: refused, or its outcome applied and its emails sent.
_CLOSED_REQUESTS = ("rejected", "notified")


def _closed_registrations(policy: Policy, now: datetime) -> Conditions:
    cutoff = now - policy.retention_closed_registrations
    return [[("state", "in", _CLOSED_REGISTRATIONS), ("updated_at", "<", cutoff)]]


def _proofings(policy: Policy, now: datetime) -> Conditions:
    return [[("expires_at", "<", now - policy.retention_proofings)]]


def _closed_service_requests(policy: Policy, now: datetime) -> Conditions:
    cutoff = now - policy.retention_closed_service_requests
    return [[("state", "in", _CLOSED_REQUESTS), ("decided_at", "<", cutoff)]]


def _proofing_documents(row: Row) -> list[str | None]:
    state = row["state"]
    held = state if isinstance(state, dict) else {}
    return [str(held[kind]) for kind in DOCUMENT_KINDS if kind in held]


def _named_by_a_registration(tx: Transaction, row: Row) -> bool:
    return bool(tx.select("st_registrations", [("proofing_id", "=", row["proofing_id"])], limit=1))


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        name="one_time_codes",
        table="st_otp_codes",
        keys=("purpose", "subject"),
        conditions=_one_time_codes,
    ),
    RetentionRule(
        name="attempt_counters",
        table="st_attempt_counters",
        keys=("scope", "key_mac"),
        conditions=_attempt_counters,
    ),
    RetentionRule(
        name="login_challenges",
        table="st_login_challenges",
        keys=("challenge_id",),
        conditions=_challenges,
    ),
    RetentionRule(
        name="activation_secrets",
        table="st_activations",
        keys=("activation_id",),
        conditions=_activations,
    ),
    RetentionRule(
        name="renewal_requests",
        table="st_renewal_requests",
        keys=("renewal_id",),
        conditions=_renewal_requests,
    ),
    RetentionRule(
        name="outbox",
        table="st_outbox",
        keys=("id",),
        conditions=_delivered_mail,
    ),
    RetentionRule(
        name="closed_registrations",
        table="st_registrations",
        keys=("registration_id",),
        conditions=_closed_registrations,
        documents=lambda row: [_text_or_none(row["assignment_order"])],
    ),
    # After the registrations: a proofing they no longer name can go in the same purge.
    RetentionRule(
        name="proofings",
        table="st_proofings",
        keys=("proofing_id",),
        conditions=_proofings,
        documents=_proofing_documents,
        referred_to=_named_by_a_registration,
    ),
    RetentionRule(
        name="closed_service_requests",
        table="st_service_requests",
        keys=("request_id",),
        conditions=_closed_service_requests,
        documents=lambda row: [_text_or_none(row["signed_form"])],
    ),
)
