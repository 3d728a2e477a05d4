"""The login challenge machine, driven by hypothesis: whatever the order of answers,
checks, newer challenges and waiting, a challenge completes a login at most once, only
after a right answer from its own device and before it expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from softtoken import AuthenticationError, Policy, StateError
from softtoken.lifecycle.login.challenges import (
    ChallengeState,
    LoginChallenge,
    answer_challenge,
    complete_challenge,
    new_challenge,
    supersede_challenge,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def mac(challenge_id: str, code: str) -> str:
    return f"{challenge_id}:{code}"


class ChallengeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.challenge: LoginChallenge | None = None
        self.code: str | None = None
        self.logins = 0
        self.right_answer_at: datetime | None = None

    @rule(mode=st.sampled_from(["confirm", "select", "enter"]))
    def begin(self, mode: str) -> None:
        policy = Policy.for_tests(matching_mode=mode)
        if self.challenge is not None and self.challenge.status is ChallengeState.PENDING:
            self.challenge = supersede_challenge(self.challenge)
        self.challenge, self.code = new_challenge(
            user_id="T05005000000201",
            device_id="dev",
            now=self.now,
            policy=policy,
            password_change_required=False,
            code_mac=mac,
        )
        self.right_answer_at = None
        self.logins = 0  # logins completed by the current challenge

    @rule(seconds=st.integers(min_value=0, max_value=150))
    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    def _right(self) -> str | None:
        assert self.challenge is not None
        return {"confirm": None, "select": self.challenge.picture, "enter": self.code}[
            self.challenge.mode
        ]

    @precondition(lambda self: self.challenge is not None)
    @rule(right=st.booleans(), decline=st.booleans(), good_nonce=st.booleans())
    def answer(self, right: bool, decline: bool, good_nonce: bool) -> None:
        assert self.challenge is not None
        before = self.challenge
        given = self._right() if right else "wrong-answer"
        nonce = before.nonce if good_nonce else before.nonce + "x"
        try:
            after = answer_challenge(
                before,
                decision="decline" if decline else "approve",
                answer=given,
                nonce=nonce,
                now=self.now,
                code_mac=mac,
            )
        except AuthenticationError as error:
            state = before.state_at(self.now)
            expected = {
                ChallengeState.EXPIRED: "challenge_expired",
                ChallengeState.PENDING: "challenge_nonce_mismatch",
            }.get(state, "challenge_used")
            assert error.code == expected
            return
        assert before.state_at(self.now) is ChallengeState.PENDING
        assert good_nonce
        if decline:
            assert after.status is ChallengeState.DECLINED
        elif right or before.mode == "confirm":
            assert after.status is ChallengeState.APPROVED
            self.right_answer_at = self.now
        else:
            assert after.status is ChallengeState.FAILED
        self.challenge = after

    @precondition(lambda self: self.challenge is not None)
    @rule()
    def check(self) -> None:
        assert self.challenge is not None
        try:
            self.challenge = complete_challenge(self.challenge, now=self.now)
        except (AuthenticationError, StateError):
            return
        self.logins += 1
        assert self.right_answer_at is not None
        assert self.right_answer_at < self.challenge.expires_at

    @invariant()
    def at_most_one_login_per_challenge(self) -> None:
        assert self.logins <= 1
        if self.challenge is not None and self.challenge.status is ChallengeState.COMPLETED:
            again = attrs.evolve(self.challenge)
            try:
                complete_challenge(again, now=self.now)
            except AuthenticationError as error:
                assert error.code == "challenge_used"
            else:
                raise AssertionError("a completed challenge completed again")


TestChallengeMachine = ChallengeMachine.TestCase
TestChallengeMachine.settings = settings(max_examples=150, stateful_step_count=30)
