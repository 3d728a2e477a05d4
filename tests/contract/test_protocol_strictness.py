"""Issue 12, protocol strictness and L4, on every storage adapter: a renewal needs an
explicit accept (a decline is recorded), a push approval's ``iat`` must be near the
server's clock, and the enrollment's device ID must be exactly the documented one. Each
refusal leaves storage as it was; the legitimate message still works."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from softtoken import SoftTokenError
from softtoken.authenticator import Device
from softtoken.lifecycle.bindings import BindingTable
from softtoken.lifecycle.renewal import RenewalState
from softtoken.protocol import ENROLL_TYP, RENEWAL_TYP, read, sign
from softtoken.protocol._jws import thumbprint
from softtoken.testing import Harness, Person, approve_registration

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
from ..helpers.storage import snapshot


def _activated(harness: Harness) -> Device:
    """An activated soft token whose first login is done (the phone)."""
    return soft_token_user(harness)[1]


def refused(harness: Harness, call: Any, code: str) -> None:
    before = snapshot(harness)
    with pytest.raises(SoftTokenError) as caught:
        call()
    assert caught.value.code == code
    assert snapshot(harness) == before


def _key(phone: Device) -> ec.EllipticCurvePrivateKey:
    key = phone._unlock(PIN, biometric=False)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


# --- renewal: an explicit accept --------------------------------------------------------------


def _renewal_request(harness: Harness, phone: Device) -> tuple[str, dict[str, Any]]:
    soft = harness.softtoken
    start = soft.renewal.begin(USER)
    [request] = soft.renewal.pending_for_device(phone.certificate_serial)
    return start.renewal_id, request


def _renewal_claims(phone: Device, request: dict[str, Any]) -> dict[str, Any]:
    return dict(read(phone.accept_renewal(request, pin=PIN), expect_typ=RENEWAL_TYP).claims)


@pytest.mark.parametrize("decision", [None, "", "yes", "Accept"])
def test_renewal_decline_no_or_unknown_decision_issues_nothing(
    harness: Harness, decision: str | None
) -> None:
    h, device = harness, _activated(harness)
    rid, request = _renewal_request(h, device)
    claims = _renewal_claims(device, request)
    if decision is None:
        claims.pop("decision", None)
    else:
        claims["decision"] = decision
    token = sign(claims, _key(device), typ=RENEWAL_TYP, chain=device.chain())
    refused(h, lambda: h.softtoken.renewal.complete(token), "device_message_malformed")
    assert h.softtoken.renewal.check(rid, user_id=USER).state is RenewalState.PENDING


def test_renewal_decline_is_recorded_and_issues_nothing(harness: Harness) -> None:
    device = _activated(harness)
    soft = harness.softtoken
    rid, request = _renewal_request(harness, device)
    certificates = len(soft.ca.for_user(USER))
    claims = {**_renewal_claims(device, request), "decision": "decline"}
    token = sign(claims, _key(device), typ=RENEWAL_TYP, chain=device.chain())
    with pytest.raises(SoftTokenError) as caught:
        soft.renewal.complete(token)
    assert caught.value.code == "renewal_declined"
    assert len(soft.ca.for_user(USER)) == certificates
    status = soft.renewal.check(rid, user_id=USER)
    assert status.state is RenewalState.DECLINED
    assert status.new_serial is None
    assert soft.renewal.pending_for_device(device.certificate_serial) == []
    entry = [r.entry for r in soft.audit.records() if r.entry.action == "renewal.decline"][-1]
    assert (entry.action, entry.outcome) == ("renewal.decline", "denied")
    # Declined once is final: the same message again changes nothing.
    refused(harness, lambda: soft.renewal.complete(token), "renewal_used")
    # The reference authenticator's own "Decline" says the same, and a new renewal
    # accepted explicitly still works.
    rid2, request2 = _renewal_request(harness, device)
    with pytest.raises(SoftTokenError):
        soft.renewal.complete(device.decline_renewal(request2, pin=PIN))
    assert soft.renewal.check(rid2, user_id=USER).state is RenewalState.DECLINED
    rid3, request3 = _renewal_request(harness, device)
    verified = soft.renewal.complete(device.accept_renewal(request3, pin=PIN))
    device.install_renewal(verified.answer, pin=PIN)
    assert soft.renewal.check(rid3, user_id=USER).completed


# --- push approval: iat near the server's clock -------------------------------------------


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=5, seconds=1)])
def test_push_iat_far_from_the_server_clock_is_refused(harness: Harness, skew: timedelta) -> None:
    device = _activated(harness)
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, device)
    answer = answer_for(challenge.mode, challenge.picture.id, challenge.code)
    late = device.approve(item, pin=PIN, answer=answer, now=harness.clock.now() + skew)
    refused(harness, lambda: soft.push_login.respond(late), "approval_time_invalid")
    # Within 5 minutes either way (a phone's clock a little off): accepted.
    near = device.approve(
        item, pin=PIN, answer=answer, now=harness.clock.now() - timedelta(minutes=4)
    )
    assert soft.push_login.respond(near).challenge_id == challenge.challenge_id


# --- L4: the device ID is exactly the documented one ----------------------------------------


@pytest.mark.parametrize("length", [0, 1, 21, 23, 43])
def test_l4_device_id_of_another_length_is_refused(harness: Harness, length: int) -> None:
    registered_account(harness)
    phone = new_phone()
    start = harness.softtoken.activation.begin(USER)
    claims = dict(
        read(phone.enroll(phone.scan(start.qr_payload), pin=PIN), expect_typ=ENROLL_TYP).claims
    )
    key = _key(phone)
    claims["att"] = {"fmt": "software", "device_id": thumbprint(key)[:length]}
    bad = sign(claims, key, typ=ENROLL_TYP)
    refused(harness, lambda: harness.softtoken.activation.enroll(bad), "attestation_invalid")
    claims["att"] = {"fmt": "software", "device_id": thumbprint(key)[:22]}
    good = harness.softtoken.activation.enroll(sign(claims, key, typ=ENROLL_TYP))
    assert good.device_id == phone.device_id == thumbprint(key)[:22]


def test_l4_the_same_app_activates_again_after_self_revocation(harness: Harness) -> None:
    who = Person()
    phone = _activated(harness)
    harness.softtoken.revocation.revoke(who.user_id, reason="new_phone")
    approve_registration(harness, who)
    start = harness.softtoken.activation.begin(who.user_id)
    verified = harness.softtoken.activation.enroll(
        phone.enroll(phone.scan(start.qr_payload), pin=who.pin)
    )
    phone.install(verified.answer, pin=who.pin)
    assert verified.device_id == phone.device_id
    with harness.softtoken.unit_of_work() as uow:
        binding = uow.repository(BindingTable).active_for(who.user_id)
    assert binding is not None
    assert binding.certificate_serial == verified.certificate_serial


def test_l4_a_key_revoked_as_compromised_never_activates_again(harness: Harness) -> None:
    # Re-activating with the same key is allowed after a self-revocation (above), but a
    # key whose certificate was revoked as keyCompromise (lost phone) stays dead.
    who = Person()
    phone = _activated(harness)
    harness.softtoken.ca.revoke_all(who.user_id, reason="lost_phone")
    harness.softtoken.revocation.revoke(who.user_id, reason="new_phone")
    approve_registration(harness, who)
    start = harness.softtoken.activation.begin(who.user_id)
    again = phone.enroll(phone.scan(start.qr_payload), pin=who.pin)
    refused(
        harness, lambda: harness.softtoken.activation.enroll(again), "certificate_key_compromised"
    )
    fresh = new_phone()
    verified = harness.softtoken.activation.enroll(
        fresh.enroll(fresh.scan(start.qr_payload), pin=who.pin)
    )
    assert verified.device_id == fresh.device_id
