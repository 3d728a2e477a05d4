"""Random walks through the registration service (hypothesis RuleBasedStateMachine):
two accounts, two citizen IDs, two emails they may both try, honest and wrong codes,
other holders, officers and time passing. After every step the invariants hold:
one open registration per account, one citizen ID per email, and nothing awaits
approval (or beyond) without a completed proofing and a verified email."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from softtoken import SoftTokenError
from softtoken.lifecycle.registration.machine import Registration, RegistrationState
from softtoken.lifecycle.registration.store import EmailBinding, EmailBindings, Registrations
from softtoken.testing import WalletApp, in_memory

from ...helpers.registration import CONSENT, DETAILS, code_from

S = RegistrationState
USERS = ("T05005000000201", "T05005000000202")
CITIZENS = ("1101700207536", "3100600123450")
EMAILS = ("shared@cgd.example.go.th", "other@cgd.example.go.th")
NAMES = (("สมชาย", "ใจดี"), ("สมหญิง", "รักดี"))
PAST_APPROVAL = {S.AWAITING_APPROVAL, S.APPROVED, S.ACTIVATED}

users = st.sampled_from(range(2))


class RegistrationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.h = in_memory()
        self.soft = self.h.softtoken
        for i, user in enumerate(USERS):
            first, last = NAMES[i]
            self.soft.accounts.create(user_id=user, first_name=first, last_name=last)
        self.phones: dict[tuple[int, int], WalletApp] = {}

    def attempt(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except SoftTokenError:
            return None  # a refusal is a legal outcome; the invariants judge the rest

    def phone(self, citizen: int, holder: int) -> WalletApp:
        key = (citizen, holder)
        if key not in self.phones:
            first, last = NAMES[holder]
            self.phones[key] = self.h.wallet.enroll(
                citizen_id=CITIZENS[citizen], first_name=first, last_name=last
            )
        return self.phones[key]

    @rule(u=users)
    def start(self, u: int) -> None:
        self.attempt(self.soft.registration.start, USERS[u])

    @rule(u=users, c=st.sampled_from(range(2)), consent=st.booleans())
    def identify(self, u: int, c: int, consent: bool) -> None:
        self.attempt(
            self.soft.registration.identify,
            USERS[u],
            citizen_id=CITIZENS[c],
            accept_consent=consent,
            consent_version=CONSENT,
        )

    @rule(u=users)
    def back(self, u: int) -> None:
        self.attempt(self.soft.registration.back, USERS[u])

    @rule(u=users, holder=st.sampled_from(range(2)), callback=st.booleans())
    def prove(self, u: int, holder: int, callback: bool) -> None:
        challenge = self.attempt(self.soft.registration.begin_proofing, USERS[u])
        reg = self.soft.registration.current(USERS[u])
        if challenge is None or reg is None or reg.citizen_id is None:
            return
        c = CITIZENS.index(reg.citizen_id.value)
        token = self.phone(c, holder).scan(challenge.qr_payload, accept_consent=True)
        if callback:
            self.attempt(self.soft.proofing.callback, "paotang", token)

    @rule(u=users)
    def check_status(self, u: int) -> None:
        self.attempt(self.soft.registration.check_status, USERS[u])

    @rule(u=users, e=st.sampled_from(range(2)))
    def fill_in(self, u: int, e: int) -> None:
        self.attempt(self.soft.registration.update_details, USERS[u], email=EMAILS[e], **DETAILS)

    @rule(u=users)
    def send_code(self, u: int) -> None:
        self.attempt(self.soft.registration.send_email_code, USERS[u])

    @rule(u=users, right=st.booleans())
    def enter_code(self, u: int, right: bool) -> None:
        reg = self.soft.registration.current(USERS[u])
        if reg is None or reg.code_sent_to is None:
            return
        self.h.deliver_mail()
        sent = [
            m
            for m in self.h.mailbox.messages
            if m.to == reg.code_sent_to.value and m.template == "registration_email_code"
        ]
        code = code_from(sent[-1].text) if sent and right else "000000"
        self.attempt(self.soft.registration.verify_email, USERS[u], code)

    @rule(u=users)
    def save(self, u: int) -> None:
        self.attempt(self.soft.registration.save, USERS[u])

    @rule(u=users)
    def edit(self, u: int) -> None:
        self.attempt(self.soft.registration.edit, USERS[u])

    @rule(u=users)
    def confirm(self, u: int) -> None:
        self.attempt(self.soft.registration.confirm, USERS[u])

    @rule(u=users, approve=st.booleans())
    def officer(self, u: int, approve: bool) -> None:
        reg = self.soft.registration.current(USERS[u])
        if reg is None:
            return
        if approve:
            self.attempt(self.soft.registration.approve, reg.registration_id, officer="o1")
        else:
            self.attempt(
                self.soft.registration.reject, reg.registration_id, officer="o1", reason="no"
            )

    @rule(u=users, dice=st.integers(0, 5))
    def cancel(self, u: int, dice: int) -> None:
        if dice == 0:  # people seldom give up; walks should reach step 4 too
            self.attempt(self.soft.registration.cancel, USERS[u])

    @rule(u=users)
    def activate(self, u: int) -> None:
        reg = self.soft.registration.ready_for_activation(USERS[u])
        if reg is not None:
            self.soft.registration.mark_activated(reg.registration_id)

    @rule(u=users, e=st.sampled_from(range(2)), n=st.integers(1, 10))
    def honest_next_steps(self, u: int, e: int, n: int) -> None:
        """The person does what the screen asks, ``n`` times (so walks reach step 4)."""
        for _ in range(n):
            self.honest_next_step(u, e)

    def honest_next_step(self, u: int, e: int) -> None:  # noqa: C901 - one branch per screen
        reg = self.soft.registration.current(USERS[u])
        user = USERS[u]
        if reg is None:
            self.attempt(self.soft.registration.start, user)
        elif reg.state is S.IDENTIFY:
            self.identify(u, u, consent=True)
        elif reg.state is S.PROOFING:
            challenge = self.attempt(self.soft.registration.begin_proofing, user)
            if challenge is not None and reg.citizen_id is not None:
                c = CITIZENS.index(reg.citizen_id.value)
                token = self.phone(c, u).scan(challenge.qr_payload, accept_consent=True)
                self.attempt(self.soft.proofing.callback, "paotang", token)
            self.check_status(u)
        elif reg.state is S.CONFIRM_DATA and reg.email is None:
            self.fill_in(u, e)
        elif reg.state is S.CONFIRM_DATA and reg.code_sent_to != reg.email:
            self.send_code(u)
        elif reg.state is S.CONFIRM_DATA and not reg.email_is_verified:
            self.enter_code(u, right=True)
        elif reg.state is S.CONFIRM_DATA:
            self.save(u)
        elif reg.state is S.REVIEW:
            self.confirm(u)
        elif reg.state is S.AWAITING_APPROVAL:
            self.officer(u, approve=True)

    @rule(days=st.sampled_from([0] * 7 + [31]))
    def time_passes(self, days: int) -> None:
        self.h.clock.advance(timedelta(days=days, seconds=91))
        self.soft.registration.expire_abandoned()

    def _all(self) -> tuple[list[Registration], list[EmailBinding]]:
        with self.soft.unit_of_work() as uow:
            regs = [
                r
                for u in USERS
                for r in uow.repository(Registrations).of_account(self.soft.context.user_id(u))
            ]
            bindings = uow.repository(EmailBindings).find_where([])
        return regs, bindings

    @invariant()
    def one_open_registration_per_account(self) -> None:
        regs, _ = self._all()
        for user in USERS:
            assert sum(1 for r in regs if r.user_id.value == user and r.is_open) <= 1

    @invariant()
    def one_citizen_per_email(self) -> None:
        regs, bindings = self._all()
        bound = {b.email.value: b.citizen_id.value for b in bindings}
        assert len(bound) == len(bindings)
        for r in regs:
            if r.email_verified is not None:
                assert r.citizen_id is not None
                assert bound[r.email_verified.value] == r.citizen_id.value
        for user in USERS:
            account = self.soft.accounts.get(user)
            if account.registration_completed:
                assert account.email is not None
                assert account.citizen_id is not None
                assert bound[account.email.value] == account.citizen_id.value

    @invariant()
    def approval_needs_proofing_and_a_verified_email(self) -> None:
        regs, _ = self._all()
        for r in regs:
            if r.state in PAST_APPROVAL:
                assert r.identity is not None
                assert r.citizen_id == r.identity.citizen_id
                assert r.email_is_verified


RegistrationMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRegistrationMachine = RegistrationMachine.TestCase
