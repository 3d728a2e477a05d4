"""Issue 16 item 3: a renewal answer the phone never received. The same signed answer
again returns the same certificate, and the poll offers the issued certificate until the
phone first uses it, also after the old certificate has expired."""

from __future__ import annotations

from datetime import timedelta

import pytest

from softtoken import AuthenticationError, Policy, StateError, ValidationError
from softtoken.authenticator import Device
from softtoken.ports import Storage
from softtoken.testing import Harness, in_memory

from ..helpers.devices import PASSWORD, PIN, USER, answer_for, pending_one, soft_token_user
from ..helpers.storage import snapshot


def log_in(harness: Harness, phone: Device) -> None:
    soft = harness.softtoken
    challenge = soft.push_login.begin(USER, PASSWORD)
    item = pending_one(harness, phone)
    soft.push_login.respond(
        phone.approve(
            item, pin=PIN, answer=answer_for(challenge.mode, challenge.picture.id, challenge.code)
        )
    )
    assert (
        soft.push_login.check(challenge.challenge_id, user_id=USER).certificate_serial
        == phone.certificate_serial
    )


def issued_items(harness: Harness, serial: str) -> list[dict[str, object]]:
    return [i for i in harness.softtoken.device_poll(serial) if i["type"] == "renewal_issued"]


@pytest.mark.parametrize("new_key", [False, True], ids=["same_key", "new_key"])
def test_i3_a_lost_renewal_answer_is_answered_again(storage: Storage, new_key: bool) -> None:
    harness, phone = soft_token_user(
        in_memory(storage=storage, policy=Policy.for_tests(renewal_new_key=new_key))
    )
    soft = harness.softtoken
    old = phone.certificate_serial
    harness.clock.set(soft.ca.get(old).not_after - timedelta(days=10))
    start = soft.renewal.begin(USER)
    [request] = soft.renewal.pending_for_device(old)
    accepted = phone.accept_renewal(request, pin=PIN)
    first = soft.renewal.complete(accepted)  # the answer never reaches the phone
    assert issued_items(harness, old) == [{"type": "renewal_issued", **first.answer}]

    # The same signed answer again: the same certificate, nothing new written.
    before = snapshot(harness)
    again = soft.renewal.complete(accepted)
    assert again.answer == first.answer
    assert again.new_serial == first.new_serial
    assert snapshot(harness) == before

    # Past the old certificate's end the person cannot renew again, but the poll
    # still offers the certificate already issued.
    harness.clock.set(soft.ca.get(old).not_after + timedelta(days=1))
    with pytest.raises(StateError) as waiting:
        soft.renewal.begin(USER, password=PASSWORD)
    assert waiting.value.code == "renewal_awaiting_use"
    [item] = issued_items(harness, old)
    with pytest.raises(ValidationError):  # an answer to install, not a request to accept
        phone.accept_renewal(item, pin=PIN)
    phone.install_renewal(item, pin=PIN)
    assert phone.certificate_serial == first.new_serial
    log_in(harness, phone)  # the first use of the new certificate
    assert soft.renewal.check(start.renewal_id, user_id=USER).completed

    # Used: the poll stops offering it and the old answer no longer works.
    assert issued_items(harness, phone.certificate_serial) == []
    assert issued_items(harness, old) == []
    with pytest.raises(AuthenticationError):
        soft.renewal.complete(accepted)
