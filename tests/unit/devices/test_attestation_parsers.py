"""The attestation parsers take hostile bytes from the network: whatever they are given,
they answer with a result or a typed ``attestation_*`` error, never another exception."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import example, given, settings
from hypothesis import strategies as st

from softtoken import SoftTokenError
from softtoken.protocol.attestation import (
    AppleAppAttestation,
    NexusAttestation,
    parse_key_description,
)

from ...helpers.attestation import key_description

VECTORS = Path(__file__).parents[2] / "vectors" / "attestation"
KEY = ec.generate_private_key(ec.SECP256R1()).public_key()
NOW = datetime(2024, 2, 4, tzinfo=UTC)
APPLE = AppleAppAttestation(
    team_id="V8H6LQ9448", bundle_id="io.uebelacker.AppAttestExample", environment="development"
)
APPLE_SAMPLE = json.loads((VECTORS / "apple" / "node-app-attest-development.json").read_text())
APPLE_OBJECT = base64.b64decode(APPLE_SAMPLE["attestation"])
KEY_DESCRIPTION = key_description(bytes(32))


# deadline=None: certificate checks take milliseconds, more on a busy machine, and a
# missed deadline there would be noise, not a finding.


def typed_or_fine(call: Any) -> None:
    try:
        call()
    except SoftTokenError as error:
        assert error.code.startswith("attestation_"), error.code


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_any_bytes_are_a_key_description_or_attestation_invalid(raw: bytes) -> None:
    typed_or_fine(lambda: parse_key_description(raw))


@given(st.integers(0, len(KEY_DESCRIPTION) - 1), st.integers(1, 255))
@settings(max_examples=300, deadline=None)
def test_a_key_description_with_a_changed_byte_parses_or_is_refused(at: int, xor: int) -> None:
    changed = bytearray(KEY_DESCRIPTION)
    changed[at] ^= xor
    typed_or_fine(lambda: parse_key_description(bytes(changed)))


@given(st.integers(0, len(APPLE_OBJECT) - 1), st.integers(1, 255))
@settings(max_examples=200, deadline=None)
# Found by this test: cryptography parses a certificate's issuer and extensions only when
# read (ValueError deep in the chain check) and refuses version 4 with InvalidVersion;
# both came out as untyped exceptions before decode_chain read every field up front.
@example(at=919, xor=1)  # the credCert's issuer
@example(at=1241, xor=1)  # inside the credCert's extensions
@example(at=877, xor=1)  # the credCert's version
@example(at=53, xor=128)  # a serial number that is not positive: a deprecation warning
def test_an_apple_attestation_object_with_a_changed_byte_is_refused(at: int, xor: int) -> None:
    changed = bytearray(APPLE_OBJECT)
    changed[at] ^= xor
    client_hash = hashlib.sha256(base64.b64decode(APPLE_SAMPLE["challenge"])).digest()
    key_id = base64.b64decode(APPLE_SAMPLE["keyId"])
    typed_or_fine(
        lambda: APPLE.verify_object(
            bytes(changed), key_id=key_id, client_data_hash=client_hash, now=NOW
        )
    )


@given(st.binary(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_bytes_are_an_attestation_object_or_attestation_invalid(raw: bytes) -> None:
    typed_or_fine(
        lambda: APPLE.verify_object(raw, key_id=bytes(32), client_data_hash=bytes(32), now=NOW)
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@given(
    st.sampled_from(["software", "android-key", "apple-appattest", "tpm"]),
    st.dictionaries(st.sampled_from(["x5c", "device_id", "attestation", "key_id"]), JSON),
    st.sampled_from(["android", "ios", "reference"]),
)
@settings(max_examples=200, deadline=None)
def test_any_evidence_gives_a_result_or_a_typed_error(
    fmt: str, fields: dict[str, Any], platform: str
) -> None:
    nexus = NexusAttestation()
    nexus.register(APPLE)
    typed_or_fine(
        lambda: nexus.verify(
            {"fmt": fmt, **fields}, public_key=KEY, platform=platform, challenge=b"", now=NOW
        )
    )


def test_a_deeply_nested_attestation_object_is_refused() -> None:
    nested: Any = []
    for _ in range(5000):
        nested = [nested]
    raw = b"\x81" * 5000 + b"\x80"  # 5,000 nested CBOR arrays
    typed_or_fine(
        lambda: APPLE.verify_object(raw, key_id=bytes(32), client_data_hash=bytes(32), now=NOW)
    )
    deep_der = b"\x30\x82\x4e\x20" + b"\x30\x80" * 5000  # nested SEQUENCEs
    typed_or_fine(lambda: parse_key_description(deep_der))
    assert cbor2.dumps({"fmt": "apple-appattest"})  # the library under test is there
