"""The keyring (issue 17 item 2): validated key IDs and secrets, one current key, the
file format and its permissions, the interface other modules rely on
(``keys.key_id``, ``keys.for_key_id``), and the sealed-value format's parser."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softtoken import ConfigurationError, Keyring, TamperingDetected
from softtoken._keys import (
    LEGACY_KEY_ID,
    ServerKeys,
    keyring_from_env,
    keyring_from_file,
    macs_equal,
)
from softtoken.storage._sealed import KeyedSealer, parse_sealed_text

K1, K2 = b"1" * 32, b"2" * 32


def test_the_single_secret_is_a_ring_of_one_key_with_the_documented_id() -> None:
    keys = ServerKeys.from_secret(K1)
    assert keys.key_id == LEGACY_KEY_ID == "k0"
    assert keys.for_key_id("k0") is keys
    # Derived keys are unchanged by the keyring: rows written before it still verify.
    assert keys.otp == ServerKeys.from_keyring(Keyring({"k0": K1}, current="k0")).otp


@pytest.mark.parametrize("kid", ["", "K1", "a" * 17, "k:1", "-k", "ก", 7, None])
def test_bad_key_ids_are_refused(kid: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Keyring({kid: K1}, current=kid)  # type: ignore[dict-item, arg-type]
    assert caught.value.code == "invalid_key_id"


def test_short_secrets_empty_rings_and_an_unknown_current_key_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        Keyring({"k1": b"short"}, current="k1")
    with pytest.raises(ConfigurationError):
        Keyring({}, current="k1")
    with pytest.raises(ConfigurationError) as caught:
        Keyring({"k1": K1}, current="k2")
    assert caught.value.code == "key_unknown"


def test_for_key_id_gives_an_older_key_and_refuses_an_unknown_one() -> None:
    ring = Keyring({"k1": K1, "k2": K2}, current="k2")
    keys = ServerKeys.from_keyring(ring)
    assert keys.key_id == "k2"
    old = keys.for_key_id("k1")
    assert old.key_id == "k1"
    assert old.otp == ServerKeys.from_keyring(ring, "k1").otp
    assert old.otp != keys.otp
    with pytest.raises(ConfigurationError) as caught:
        keys.for_key_id("k9")
    assert caught.value.code == "key_unknown"
    assert "K1" not in repr(keys)
    assert "k2" in repr(keys)


def test_a_mac_records_its_key_and_verifies_after_a_rotation() -> None:
    ring = Keyring({"k1": K1}, current="k1")
    before = ServerKeys.from_keyring(ring)
    stored = before.tagged_mac(before.otp, "code", "123456")
    assert stored.startswith("k1:")
    after = ServerKeys.from_keyring(ring.rotated(key_id="k2", secret=K2))
    again = after.for_stored(stored)
    assert macs_equal(stored, again.tagged_mac(again.otp, "code", "123456"))
    assert not macs_equal(stored, after.tagged_mac(after.otp, "code", "123456"))
    # A MAC from before the keyring (no key ID) counts as k0's.
    legacy = ServerKeys.from_secret(K1)
    assert macs_equal(legacy.mac(legacy.otp, "x"), legacy.tagged_mac(legacy.otp, "x"))


def test_rotate_adds_a_current_key_and_retiring_the_current_one_is_refused() -> None:
    ring = Keyring.single(K1).rotated()
    assert ring.current == "k1"
    assert ring.key_ids == ("k0", "k1")
    with pytest.raises(ConfigurationError) as caught:
        ring.without("k1")
    assert caught.value.code == "key_is_current"
    assert ring.without("k0").key_ids == ("k1",)


def test_the_keyring_file_round_trips_and_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    ring = Keyring({"k1": K1, "k2": K2}, current="k2")
    path = tmp_path / "keyring.json"
    ring.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = Keyring.load(path)
    assert (loaded.current, loaded.key_ids) == ("k2", ("k1", "k2"))
    assert loaded.secret("k1") == K1
    data = json.loads(path.read_text())
    assert data == {
        "format": "softtoken-keyring/v1",
        "current": "k2",
        "keys": {"k1": base64.b64encode(K1).decode(), "k2": base64.b64encode(K2).decode()},
    }
    env = keyring_from_env({"SOFTTOKEN_KEYRING_FILE": str(path)})
    assert env.current == "k2"
    assert keyring_from_file(path).current == "k2"
    secret_file = tmp_path / "secret"
    secret_file.write_text(base64.b64encode(K1).decode() + "\n")
    assert keyring_from_file(secret_file).key_ids == ("k0",)


@pytest.mark.parametrize(
    "text", ["", "{}", "[]", '{"format": "other", "current": "k1", "keys": {}}', "not json"]
)
def test_a_broken_keyring_file_is_refused(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Keyring.from_json(text)
    assert caught.value.code == "invalid_keyring"


def test_the_environment_secret_is_key_k0() -> None:
    ring = keyring_from_env({"SOFTTOKEN_SECRET_KEY": base64.b64encode(K1).decode()})
    assert ring.key_ids == ("k0",)
    assert ring.secret("k0") == K1
    with pytest.raises(ConfigurationError):
        keyring_from_env({})


@given(st.text(max_size=200))
def test_the_sealed_text_parser_accepts_only_its_format(text: str) -> None:
    try:
        kid, blob = parse_sealed_text(text)
    except TamperingDetected as error:
        assert error.code == "sealed_value_broken"
    else:
        assert text == f"st1:{kid}:{base64.b64encode(blob).decode()}"


@given(st.text(max_size=100), st.binary(max_size=64))
def test_sealed_text_round_trips_and_opens_only_in_its_place(clear: str, place: bytes) -> None:
    keys = ServerKeys.from_keyring(Keyring({"k1": K1}, current="k1"))
    sealer = KeyedSealer(keys, lambda k: k.derived("seal/test"), code="sealed_value_broken")
    stored = sealer.seal_text(clear, context=b"here" + place)
    kid, _ = parse_sealed_text(stored)
    assert kid == "k1"
    assert sealer.open_text(stored, context=b"here" + place) == clear
    with pytest.raises(TamperingDetected):
        sealer.open_text(stored, context=b"there" + place)


def test_a_retired_key_keeps_only_what_verifies_its_audit_records() -> None:
    ring = Keyring({"k0": b"0" * 32, "k1": b"1" * 32}, current="k1").without("k0")
    again = Keyring.from_json(ring.to_json())
    assert (again.key_ids, again.retired_ids) == (("k1",), ("k0",))
    assert "k0" not in again
    old = ServerKeys.from_keyring(Keyring({"k0": b"0" * 32}, current="k0"))
    keys = ServerKeys.from_keyring(again)
    verifying = keys.for_audit("k0")
    assert (verifying.audit, verifying.pseudonyms) == (old.audit, old.pseudonyms)
    assert verifying.outbox != old.outbox  # nothing sealed under k0 opens any more
    assert verifying.derived("document") != old.derived("document")
    with pytest.raises(ConfigurationError) as caught:
        keys.for_key_id("k0")
    assert caught.value.code == "key_unknown"
    assert keys.for_stored("k0:00ff") is keys  # a MAC under k0 just no longer matches
    with pytest.raises(ConfigurationError):
        Keyring({"k1": b"1" * 32}, current="k1", retired={"k1": (b"a" * 32, b"b" * 32)})
