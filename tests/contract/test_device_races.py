"""Races on PostgreSQL (and every other adapter): two approvals of one challenge, two
devices on one activation QR code. Exactly one wins; the loser gets the typed error."""

from __future__ import annotations

from softtoken.lifecycle.renewal import VerifiedRenewal
from softtoken.ports import Storage
from softtoken.testing import in_memory

from ..helpers.concurrency import race
from ..helpers.devices import (
    PASSWORD,
    PIN,
    USER,
    answer_for,
    new_phone,
    pending_one,
    registered_account,
    soft_token_user,
)


def test_two_approvals_race_on_one_challenge(storage: Storage) -> None:
    harness, phone = soft_token_user(in_memory(storage=storage))
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    approval = phone.approve(
        pending_one(harness, phone),
        pin=PIN,
        answer=answer_for(challenge.mode, challenge.picture.id, challenge.code),
    )
    outcomes = race([lambda: soft.push_login.respond(approval) for _ in range(4)])
    winners = [o for o in outcomes if not isinstance(o, str)]
    assert len(winners) == 1
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["challenge_used"] * 3
    checks = race(
        [lambda: soft.push_login.check(challenge.challenge_id, user_id=USER) for _ in range(4)]
    )
    assert len([c for c in checks if not isinstance(c, str)]) == 1
    assert sorted(c for c in checks if isinstance(c, str)) == ["challenge_used"] * 3


def test_two_devices_race_on_one_activation(storage: Storage) -> None:
    harness = in_memory(storage=storage)
    registered_account(harness)
    soft = harness.softtoken
    start = soft.activation.begin(USER)
    phones = [new_phone() for _ in range(3)]
    tokens = [p.enroll(p.scan(start.qr_payload), pin=PIN) for p in phones]
    outcomes = race([lambda t=t: soft.activation.enroll(t) for t in tokens])  # type: ignore[misc]
    assert len([o for o in outcomes if not isinstance(o, str)]) == 1
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["activation_used"] * 2
    assert len([c for c in soft.ca.for_user(USER) if c.status.value == "active"]) == 1


def test_renewing_twice_at_once_makes_one_certificate(storage: Storage) -> None:
    harness, phone = soft_token_user(in_memory(storage=storage))
    soft = harness.softtoken
    soft.renewal.begin(USER)
    [request] = soft.renewal.pending_for_device(phone.certificate_serial)
    accepted = phone.accept_renewal(request, pin=PIN)
    outcomes = race([lambda: soft.renewal.complete(accepted) for _ in range(3)])
    # The same answer sent three times: each caller gets the one certificate issued
    # (issue 16 item 3: a repeated answer is answered again, never a second certificate).
    assert {o.new_serial for o in outcomes if isinstance(o, VerifiedRenewal)} == {
        c.serial for c in soft.ca.for_user(USER) if c.serial != phone.certificate_serial
    }
    assert all(o == "renewal_used" for o in outcomes if isinstance(o, str))
    assert len(soft.ca.for_user(USER)) == 2  # the first certificate and one renewal
