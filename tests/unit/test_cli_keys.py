"""``softtoken keys rotate|reseal|status|retire`` on a SQLite deployment configured by the
environment, from the single secret key to a keyring file and back to one live key."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from softtoken import Keyring
from softtoken._wiring import Config, build
from softtoken.cli import main

SECRET = b"s" * 32
CITIZEN_ID = "1101700207536"


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["keys", "status", "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_rotate_reseal_status_retire(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOFTTOKEN_SECRET_KEY", base64.b64encode(SECRET).decode())
    monkeypatch.setenv("SOFTTOKEN_STORAGE_URL", f"sqlite:///{tmp_path / 'st.db'}")
    monkeypatch.delenv("SOFTTOKEN_KEYRING_FILE", raising=False)
    soft = build(Config.from_env())
    soft.accounts.create(
        user_id="T05005000000201", first_name="สมชาย", last_name="ใจดี", citizen_id=CITIZEN_ID
    )
    soft.close()

    ring_file = tmp_path / "keyring.json"
    monkeypatch.setenv("SOFTTOKEN_KEYRING_FILE", str(ring_file))
    assert main(["keys", "rotate"]) == 0
    assert capsys.readouterr().out.strip() == "k1"
    assert stat.S_IMODE(ring_file.stat().st_mode) == 0o600
    ring = Keyring.load(ring_file)
    assert (ring.key_ids, ring.current, ring.secret("k0")) == (("k0", "k1"), "k1", SECRET)

    status = _status(capsys)
    assert status["sealed"] == {"k0": 4}  # the citizen ID, its index, two names
    audit = status["audit"]
    assert isinstance(audit, dict)
    assert audit["k0"] > 0  # the account's creation, and its chain's head
    assert main(["keys", "reseal", "--batch-size", "1"]) == 0
    assert "resealed 1 rows" in capsys.readouterr().out
    status = _status(capsys)
    assert status["sealed"] == {"k1": 4}

    assert main(["keys", "rotate", "--key-id", "k2"]) == 0
    assert main(["keys", "retire", "k1"]) == 2  # still sealing the account
    assert "key_in_use" in capsys.readouterr().err
    assert main(["keys", "retire", "k2"]) == 2  # the current key
    assert "key_is_current" in capsys.readouterr().err
    assert main(["keys", "reseal"]) == 0
    capsys.readouterr()
    assert main(["keys", "status"]) == 0
    assert "can be retired: k0, k1" in capsys.readouterr().out
    assert main(["keys", "retire", "k1"]) == 0
    assert main(["keys", "retire", "k0"]) == 0
    ring = Keyring.load(ring_file)
    assert (ring.key_ids, ring.retired_ids) == (("k2",), ("k1", "k0"))
    capsys.readouterr()
    assert main(["keys", "status"]) == 0
    assert "k0               retired: verifies" in capsys.readouterr().out

    soft = build(Config.from_env())
    try:
        assert soft.accounts.get("T05005000000201").citizen_id.value == CITIZEN_ID  # type: ignore[union-attr]
        # Records under k0 and k1 verify with what the ring kept of them.
        assert soft.audit.verify() == len(soft.audit.records())
    finally:
        soft.close()


def test_rotate_needs_the_keyring_file_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SOFTTOKEN_KEYRING_FILE", raising=False)
    assert main(["keys", "rotate"]) == 2
    assert "invalid_keyring" in capsys.readouterr().err
