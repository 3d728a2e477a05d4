"""Issue 12, H1: a certificate on hold (``suspended``, certificateHold) never escapes a
final revocation, and a hold cannot be lifted once the certificate was superseded or its
soft token ended. On every storage adapter."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from softtoken.ca import CertificateStatus, RevocationReason
from softtoken.errors import AuthenticationError, StateError
from softtoken.testing import Harness, Person, soft_token_user

from ..helpers.ca import make_csr
from ..helpers.service_requests import form_for, submit_and_approve

ALICE = "T05005000000201"
DER = serialization.Encoding.DER


def _ocsp_status(harness: Harness, serial: str) -> ocsp.OCSPCertStatus:
    ca = harness.softtoken.ca
    record = ca.get(serial)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(record.certificate, ca.authority.issuing, hashes.SHA256())
        .build()
    )
    answer = ocsp.load_der_ocsp_response(ca.ocsp_response(request.public_bytes(DER)))
    return answer.certificate_status


def _crl_reason(harness: Harness, serial: str) -> x509.ReasonFlags | None:
    entry = harness.softtoken.ca.crl().get_revoked_certificate_by_serial_number(int(serial, 16))
    assert entry is not None, "the certificate must stay on the CRL"
    return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason


def _assert_final(harness: Harness, serial: str, reason: RevocationReason) -> None:
    ca = harness.softtoken.ca
    record = ca.get(serial)
    assert record.status is CertificateStatus.REVOKED
    assert record.revocation_reason is reason
    with pytest.raises(StateError) as refused:
        ca.release_hold(serial)
    assert refused.value.code == "certificate_not_on_hold"
    assert ca.get(serial) == record  # the refusal changed nothing
    assert _ocsp_status(harness, serial) is ocsp.OCSPCertStatus.REVOKED
    assert _crl_reason(harness, serial) is reason.crl_reason
    with pytest.raises(AuthenticationError) as denied:
        ca.verify(record.certificate)
    assert denied.value.code == "certificate_revoked"


def test_h1_a_hold_is_lifted_while_the_soft_token_lives(harness: Harness) -> None:
    # The legitimate use: a temporary suspension, then the certificate works again.
    phone = soft_token_user(harness)
    ca = harness.softtoken.ca
    ca.revoke(phone.certificate_serial, reason="suspended")
    assert _ocsp_status(harness, phone.certificate_serial) is ocsp.OCSPCertStatus.REVOKED
    released = ca.release_hold(phone.certificate_serial)
    assert released.status is CertificateStatus.ACTIVE
    assert _ocsp_status(harness, phone.certificate_serial) is ocsp.OCSPCertStatus.GOOD
    assert ca.verify(released.certificate).record.serial == released.serial


def test_h1_self_revocation_turns_a_hold_into_the_final_reason(harness: Harness) -> None:
    phone = soft_token_user(harness)
    serial = phone.certificate_serial
    harness.softtoken.ca.revoke(serial, reason="suspended")
    done = harness.softtoken.revocation.revoke(Person().user_id, reason="new_phone")
    assert done.revoked_serials == (serial,)
    _assert_final(harness, serial, RevocationReason.NEW_PHONE)


def test_h1_revoke_all_turns_a_hold_into_the_final_reason(harness: Harness) -> None:
    ca = harness.softtoken.ca
    held = ca.issue(user_id=ALICE, csr=make_csr())
    live = ca.issue(user_id=ALICE, csr=make_csr())
    ca.revoke(held.serial, reason="suspended")
    done = ca.revoke_all(ALICE, reason="lost_phone")
    assert sorted(r.serial for r in done) == sorted([held.serial, live.serial])
    _assert_final(harness, held.serial, RevocationReason.LOST_PHONE)
    _assert_final(harness, live.serial, RevocationReason.LOST_PHONE)


def test_h1_a_service_request_turns_a_hold_into_the_final_reason(harness: Harness) -> None:
    who = Person()
    phone = soft_token_user(harness, who)
    serial = phone.certificate_serial
    harness.softtoken.ca.revoke(serial, reason="suspended")
    submit_and_approve(harness, form_for(who, "lost_phone"))
    _assert_final(harness, serial, RevocationReason.LOST_PHONE)


def test_h1_a_superseded_certificate_cannot_come_back_from_a_hold(harness: Harness) -> None:
    ca = harness.softtoken.ca
    old = ca.issue(user_id=ALICE, csr=make_csr())
    new = ca.renew(old.serial, user_id=ALICE)
    ca.revoke(old.serial, reason="suspended")
    before = ca.get(old.serial)
    with pytest.raises(StateError) as refused:
        ca.release_hold(old.serial)
    assert refused.value.code == "certificate_hold_final"
    assert ca.get(old.serial) == before
    assert _ocsp_status(harness, old.serial) is ocsp.OCSPCertStatus.REVOKED
    with pytest.raises(AuthenticationError):
        ca.verify(old.certificate)
    assert ca.verify(new.certificate).record.serial == new.serial
