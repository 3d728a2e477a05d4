"""Issue 12: the device protocol's parsers refuse what RFC 7515/7518 and plain prudence
rule out: high-S ECDSA signatures, a ``crit`` header (empty or not), JSON nested deep
enough to blow the parser's stack (L1), in device messages and provider callbacks. Each
refusal is the library's own typed error, logged, with storage unchanged."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from softtoken import SoftTokenError
from softtoken.accounts import CitizenId
from softtoken.authenticator import Device
from softtoken.protocol import APPROVAL_TYP, ENROLL_TYP, read
from softtoken.protocol._jws import public_jwk
from softtoken.testing import Harness, Person, in_memory

from ...helpers.devices import (
    PASSWORD,
    PIN,
    USER,
    answer_for,
    new_phone,
    pending_one,
    registered_account,
    soft_token_user,
)
from ...helpers.storage import snapshot

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
DER = serialization.Encoding.DER


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed(
    header: dict[str, Any], payload: bytes, key: ec.EllipticCurvePrivateKey, *, high_s: bool
) -> str:
    """A compact ES256 JWS made by hand, with the ``s`` half of its signature chosen."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(payload)}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    if (s > P256_ORDER // 2) != high_s:
        s = P256_ORDER - s
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def refused(
    harness: Harness, call: Callable[[], object], code: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = snapshot(harness)
    caplog.clear()
    with caplog.at_level("WARNING", logger="softtoken"), pytest.raises(SoftTokenError) as caught:
        call()
    assert caught.value.code == code
    assert snapshot(harness) == before
    assert any(code in record.getMessage() for record in caplog.records), "refusal not logged"


def _challenge(harness: Harness, phone: Device) -> tuple[dict[str, Any], str | None]:
    challenge = harness.softtoken.push_login.begin(USER, PASSWORD)
    answer = answer_for(challenge.mode, challenge.picture.id, challenge.code)
    return pending_one(harness, phone), answer


def _approval_parts(
    harness: Harness, phone: Device
) -> tuple[dict[str, Any], dict[str, Any], ec.EllipticCurvePrivateKey]:
    """The header and claims of a real approval, and the device key that signs them."""
    item, answer = _challenge(harness, phone)
    token = phone.approve(item, pin=PIN, answer=answer)
    signed = read(token, expect_typ=APPROVAL_TYP)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    key = phone._unlock(PIN, biometric=False)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return header, dict(signed.claims), key


# --- JWS: low-S signatures (RFC 7518 3.4 leaves both; the protocol takes one) --------------


def test_jws_high_s_signature_is_refused_and_low_s_accepted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness, phone = soft_token_user(in_memory())
    header, claims, key = _approval_parts(harness, phone)
    payload = json.dumps(claims).encode()
    high = hand_signed(header, payload, key, high_s=True)
    respond = harness.softtoken.push_login.respond
    refused(harness, lambda: respond(high), "device_signature_invalid", caplog)
    low = hand_signed(header, payload, key, high_s=False)
    assert respond(low).challenge_id == claims["cid"]


def test_jws_the_reference_authenticator_always_signs_low_s() -> None:
    harness, phone = soft_token_user(in_memory())
    for _ in range(16):  # a random s is high half the time
        item, answer = _challenge(harness, phone)
        token = phone.approve(item, pin=PIN, answer=answer)
        raw = base64.urlsafe_b64decode(token.split(".")[2] + "==")
        assert int.from_bytes(raw[32:], "big") <= P256_ORDER // 2
        harness.softtoken.push_login.respond(token)
        harness.softtoken.push_login.check(item["cid"], user_id=USER)


# --- JWS: crit (RFC 7515 4.1.11) ---------------------------------------------------------


@pytest.mark.parametrize("crit", [[], ["exp"]])
def test_jws_empty_crit_is_refused(crit: list[str], caplog: pytest.LogCaptureFixture) -> None:
    harness, phone = soft_token_user(in_memory())
    header, claims, key = _approval_parts(harness, phone)
    token = hand_signed({**header, "crit": crit}, json.dumps(claims).encode(), key, high_s=False)
    respond = harness.softtoken.push_login.respond
    refused(harness, lambda: respond(token), "device_message_malformed", caplog)
    plain = hand_signed(header, json.dumps(claims).encode(), key, high_s=False)
    assert respond(plain).challenge_id == claims["cid"]


# --- L1: nesting ----------------------------------------------------------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [17, 5_000, 40_000])
def test_l1_deeply_nested_approval_is_refused(depth: int, caplog: pytest.LogCaptureFixture) -> None:
    harness, phone = soft_token_user(in_memory())
    header, claims, key = _approval_parts(harness, phone)
    body = json.dumps(claims)[:-1] + f', "x": {_nested(depth)}}}'
    token = hand_signed(header, body.encode(), key, high_s=False)
    respond = harness.softtoken.push_login.respond
    refused(harness, lambda: respond(token), "device_message_malformed", caplog)


def test_l1_deeply_nested_header_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    harness, phone = soft_token_user(in_memory())
    header, claims, key = _approval_parts(harness, phone)
    bad = hand_signed(
        {**header, "x": json.loads(_nested(900))}, json.dumps(claims).encode(), key, high_s=False
    )
    deeper = bad.replace(bad.split(".")[0], _b64(('{"x":' + _nested(20_000) + "}").encode()))
    respond = harness.softtoken.push_login.respond
    refused(harness, lambda: respond(bad), "device_message_malformed", caplog)
    refused(harness, lambda: respond(deeper), "device_message_malformed", caplog)


def test_l1_deeply_nested_enrollment_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    harness = in_memory()
    registered_account(harness)
    phone = new_phone()
    start = harness.softtoken.activation.begin(USER)
    token = phone.enroll(phone.scan(start.qr_payload), pin=PIN)
    signed = read(token, expect_typ=ENROLL_TYP)
    key = phone._unlock(PIN, biometric=False)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    header = {"alg": "ES256", "typ": ENROLL_TYP, "jwk": public_jwk(key)}
    claims = {**signed.claims, "att": {"fmt": "software", "x": json.loads(_nested(500))}}
    deep = hand_signed(header, json.dumps(claims).encode(), key, high_s=False)
    enroll = harness.softtoken.activation.enroll
    refused(harness, lambda: enroll(deep), "device_message_malformed", caplog)
    # Brackets inside strings are text, not nesting: the real enrollment goes through.
    assert enroll(token).user_id == USER


def test_l1_nesting_limit_follows_the_policy() -> None:
    from softtoken import Policy

    nested = '{"a":' * 20 + "1" + "}" * 20
    with pytest.raises(SoftTokenError):
        read(f"{_b64(b'{}')}.{_b64(nested.encode())}.AA", expect_typ=APPROVAL_TYP)
    assert Policy().json_max_depth == 16


def test_l1_deeply_nested_proofing_callback_is_refused() -> None:
    from softtoken.proofing.paotang import check_assertion

    deep = _b64(('{"a":' + _nested(4_000) + "}").encode())
    for token in (f"{deep}.{_b64(b'{}')}.AA", f"{_b64(b'{}')}.{deep}.AA"):
        with pytest.raises(SoftTokenError) as caught:
            check_assertion(
                token,
                keys=[],
                issuer="i",
                audience="a",
                nonce_sha256="",
                citizen_id=CitizenId.parse(Person().citizen_id),
                provider="paotang",
                now=datetime.now(UTC),
                leeway=timedelta(0),
            )
        assert caught.value.code == "proofing_malformed"


def test_l1_deeply_nested_proofing_callback_is_a_typed_refusal() -> None:
    harness = in_memory()
    deep = _b64(('{"nonce":' + _nested(4_000) + "}").encode())
    token = f"{_b64(b'{}')}.{deep}.AA"
    audited = len(harness.softtoken.audit.records())
    with pytest.raises(SoftTokenError) as caught:
        harness.softtoken.proofing.callback("paotang", token)
    assert caught.value.code == "proofing_malformed"
    # It matches no pending proofing: logged and counted, not audited (issue 16 item 6).
    assert len(harness.softtoken.audit.records()) == audited


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # brackets in a string are text
        (r'{"a": "\\", "b": "[[[[[[[[[[[[[[[[[[[[["}', False),  # an escaped backslash ends
        (r'{"a": "\\", "b": ' + "[" * 17 + "]" * 17 + "}", True),  # ...and real nesting follows
        (r'{"a": "\"[[[[[[[[[[[[[[[[[[[[[[["}', False),  # an escaped quote stays inside
        ("[" * 16 + "]" * 16, False),
        ("[" * 17 + "]" * 17, True),
        ('[{"a":' * 9 + "1" + "}]" * 9, True),
        ('"[" ' + "[" * 17, True),  # a string closes, then real nesting
    ],
)
def test_l1_depth_scan_skips_strings(text: str, deep: bool) -> None:
    from softtoken.protocol._json import JsonRefused, check_depth

    if deep:
        with pytest.raises(JsonRefused):
            check_depth(text.encode(), max_depth=16)
    else:
        check_depth(text.encode(), max_depth=16)
