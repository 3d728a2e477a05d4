"""Login challenges: the push half of "Login by Soft Token" (manual chapter 3).

Theory of operation::

    state        event                               next
    pending      device approves, right answer       approved
    pending      device approves, wrong answer       failed     (no second try)
    pending      device declines ("not me")          declined
    pending      a newer challenge for the account   superseded
    approved     the portal's check completes it     completed  (single use)
    pending      now >= expires_at                   expired    (derived, never stored)

Matching modes (``policy.matching_mode``): ``confirm`` is the manual's (the phone shows
the computer's picture; the person approves: no secret crosses the channels, so any
approval passes); ``select`` (the phone shows ``matching_select_choices`` pictures and the
person picks the computer's: a blind guess passes 1 time in N); ``enter`` (the person types
on the phone the ``matching_code_digits``-digit code shown on the computer: 1 in 10^6,
which NIST SP 800-63B-4 accepts). Every transition is pure: record, input and ``now`` in.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Literal

import attrs

from softtoken._clock import utc
from softtoken._keys import macs_equal
from softtoken.errors import AuthenticationError, NotFound, StateError
from softtoken.policy import MatchingMode, Policy
from softtoken.protocol._pictures import choose_pictures
from softtoken.storage._repositories import FlatTable

__all__ = [
    "ChallengeState",
    "ChallengeTable",
    "LoginChallenge",
    "answer_challenge",
    "challenge_key",
    "complete_challenge",
    "new_challenge",
    "supersede_challenge",
]


class ChallengeState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    FAILED = "failed"
    SUPERSEDED = "superseded"
    COMPLETED = "completed"
    EXPIRED = "expired"  # derived


@attrs.frozen(kw_only=True)
class LoginChallenge:
    challenge_id: str
    user_id: str
    device_id: str
    nonce: str
    mode: MatchingMode
    #: The picture the computer shows.
    picture: str
    #: What the phone shows: the picture (confirm), the shuffled choices (select), none.
    choices: tuple[str, ...]
    code_mac: str | None = attrs.field(default=None, repr=False)
    status: ChallengeState = ChallengeState.PENDING
    created_at: datetime = attrs.field(converter=utc)
    expires_at: datetime = attrs.field(converter=utc)
    answered_at: datetime | None = None
    password_change_required: bool = False
    version: int = 0

    def state_at(self, now: datetime) -> ChallengeState:
        if self.status is ChallengeState.PENDING and now >= self.expires_at:
            return ChallengeState.EXPIRED
        return self.status


def new_challenge(
    *,
    user_id: str,
    device_id: str,
    now: datetime,
    policy: Policy,
    password_change_required: bool,
    code_mac: Callable[[str, str], str],
) -> tuple[LoginChallenge, str | None]:
    """A new challenge, and the code for the computer to show (``enter`` mode only)."""
    mode = policy.matching_mode
    count = policy.matching_select_choices if mode == "select" else 1
    pictures = [p.id for p in choose_pictures(count)]
    shown = pictures[0]
    shuffled = sorted(pictures, key=lambda _: secrets.randbelow(1 << 30))
    challenge_id = "chl_" + secrets.token_urlsafe(16)
    code = None
    if mode == "enter":
        code = "".join(secrets.choice("0123456789") for _ in range(policy.matching_code_digits))
    challenge = LoginChallenge(
        challenge_id=challenge_id,
        user_id=user_id,
        device_id=device_id,
        nonce=secrets.token_urlsafe(policy.challenge_nonce_bytes),
        mode=mode,
        picture=shown,
        choices={"confirm": (shown,), "select": tuple(shuffled), "enter": ()}[mode],
        code_mac=None if code is None else code_mac(challenge_id, code),
        created_at=now,
        expires_at=now + policy.challenge_lifetime,
        password_change_required=password_change_required,
    )
    return challenge, code


def supersede_challenge(challenge: LoginChallenge) -> LoginChallenge:
    return attrs.evolve(challenge, status=ChallengeState.SUPERSEDED)


def _open(challenge: LoginChallenge, now: datetime) -> None:
    state = challenge.state_at(now)
    if state is ChallengeState.EXPIRED:
        raise AuthenticationError("challenge_expired")
    if state is not ChallengeState.PENDING:
        raise AuthenticationError("challenge_used")


def answer_challenge(
    challenge: LoginChallenge,
    *,
    decision: Literal["approve", "decline"],
    answer: str | None,
    nonce: str,
    now: datetime,
    code_mac: Callable[[str, str], str],
) -> LoginChallenge:
    """Apply the device's answer. A wrong picture or code fails the challenge for good
    (no second guess); the caller stores that and then raises ``challenge_answer_wrong``.

    Raises:
        AuthenticationError: ``challenge_expired``, ``challenge_used``,
            ``challenge_nonce_mismatch``.
    """
    _open(challenge, now)
    if not hmac.compare_digest(challenge.nonce.encode(), nonce.encode()):
        raise AuthenticationError("challenge_nonce_mismatch")
    if decision == "decline":
        return attrs.evolve(challenge, status=ChallengeState.DECLINED, answered_at=now)
    if challenge.mode == "select":
        right = answer is not None and hmac.compare_digest(
            answer.encode(), challenge.picture.encode()
        )
    elif challenge.mode == "enter":
        given = code_mac(challenge.challenge_id, answer or "")
        right = challenge.code_mac is not None and macs_equal(challenge.code_mac, given)
    else:
        right = True
    status = ChallengeState.APPROVED if right else ChallengeState.FAILED
    return attrs.evolve(challenge, status=status, answered_at=now)


def complete_challenge(challenge: LoginChallenge, *, now: datetime) -> LoginChallenge:
    """The portal's check consumes an approved challenge: a login happens once.

    Raises:
        StateError: ``challenge_pending`` while nobody answered yet.
        AuthenticationError: ``challenge_declined``, ``challenge_answer_wrong``,
            ``challenge_expired``, ``challenge_used``.
    """
    state = challenge.state_at(now)
    if state is ChallengeState.APPROVED:
        return attrs.evolve(challenge, status=ChallengeState.COMPLETED)
    errors = {
        ChallengeState.PENDING: StateError("challenge_pending"),
        ChallengeState.DECLINED: AuthenticationError("challenge_declined"),
        ChallengeState.FAILED: AuthenticationError("challenge_answer_wrong"),
        ChallengeState.EXPIRED: AuthenticationError("challenge_expired"),
    }
    raise errors.get(state, AuthenticationError("challenge_used"))


class ChallengeTable(FlatTable[LoginChallenge]):
    table = "st_login_challenges"
    key_columns = ("challenge_id",)
    not_found_code = "challenge_not_found"
    record_type = LoginChallenge
    enums = {"status": ChallengeState}  # noqa: RUF012 - read-only class data
    tuples = frozenset({"choices"})

    def open_for_user(self, user_id: str) -> list[LoginChallenge]:
        return self.find_where(
            [("user_id", "=", user_id), ("status", "=", ChallengeState.PENDING.value)]
        )

    def supersede_open_for_user(self, user_id: str) -> int:
        """End every open challenge of the account: a newer login, a new password (changed,
        reset, issued) or a refusal makes an approval in flight worthless (issue 12, L5).
        Pending and approved-but-unchecked ones both count as open. Returns how many."""
        open_ = self.find_where(
            [
                ("user_id", "=", user_id),
                ("status", "in", [ChallengeState.PENDING.value, ChallengeState.APPROVED.value]),
            ]
        )
        for challenge in open_:
            self.update(supersede_challenge(challenge))
        return len(open_)

    def open_for_device(self, device_id: str) -> list[LoginChallenge]:
        return self.find_where(
            [("device_id", "=", device_id), ("status", "=", ChallengeState.PENDING.value)],
            order_by=("created_at",),
        )


def challenge_key(raw: object) -> str:
    """A challenge ID as the portal or the device sent it; anything that cannot be one
    is simply not found (it says nothing about which challenges exist)."""
    if not isinstance(raw, str) or not 8 <= len(raw) <= 64:  # noqa: PLR2004
        raise NotFound("challenge_not_found")
    return raw
