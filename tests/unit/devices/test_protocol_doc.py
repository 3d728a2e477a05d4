"""The example messages in docs/protocol.md are accepted: parsed, signatures verified
with the key the header names, certificate chain linked, claims and CSR valid."""

from __future__ import annotations

import json
import re
from pathlib import Path

from softtoken import Policy
from softtoken.authenticator import Device
from softtoken.ca import key_fingerprint, parse_csr
from softtoken.protocol import (
    APPROVAL_TYP,
    ENROLL_TYP,
    ActivationPayload,
    ApprovalClaims,
    EnrollmentClaims,
    read,
    verify,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"
EXAMPLE = re.compile(r"<!-- example: (\w+) -->\n```\w+\n(.*?)```", re.DOTALL)


def examples() -> dict[str, str]:
    return {name: body.strip() for name, body in EXAMPLE.findall(DOC.read_text("utf-8"))}


def test_the_document_has_every_example() -> None:
    assert set(examples()) >= {"activation_uri", "enrollment", "challenge", "approval"}


def test_activation_uri_example() -> None:
    payload = ActivationPayload.parse(examples()["activation_uri"])
    assert len(payload.secret) * 8 >= 112
    assert payload.server.startswith("https://")


def test_enrollment_example_verifies_with_its_jwk_and_carries_its_own_key() -> None:
    message = read(examples()["enrollment"], expect_typ=ENROLL_TYP)
    assert message.embedded_key is not None
    verify(message, message.embedded_key)
    claims = EnrollmentClaims.from_claims(message.claims)
    checked = parse_csr(claims.csr_der, policy=Policy())
    assert checked.key_fingerprint == key_fingerprint(message.embedded_key)


def test_challenge_and_approval_examples_match() -> None:
    challenge = json.loads(examples()["challenge"])
    view = Device.view(challenge)
    message = read(examples()["approval"], expect_typ=APPROVAL_TYP)
    leaf, issuing, root = message.chain
    leaf.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    verify(message, leaf.public_key())  # type: ignore[arg-type]
    claims = ApprovalClaims.from_claims(message.claims)
    assert claims.challenge_id == view.challenge_id
    assert claims.nonce == challenge["nonce"]
    assert claims.decision == "approve"
    assert claims.answer is not None
    assert len(claims.answer) == 6
