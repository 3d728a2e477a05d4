"""Issue 12, L8: the reference authenticator's state file. It is created 0600 from the
first byte (never world-readable, then chmod-ed), the biometric secret lives apart from
the sealed key (a copy of the state file does not open without the PIN), and the PIN is
never a command-line argument (the process list shows those)."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from softtoken import StateError
from softtoken.authenticator import Device, KdfParams
from softtoken.cli import main

from ...helpers.devices import PIN

QR = (
    "softtoken://activate?v=1&s=https%3A%2F%2Fx.example&a=act_12345678&k=AAAAAAAAAAAAAAAAAAAAAA&e=1"
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_chmod(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A umask that leaves new files world-readable and no chmod after the fact: only a
    file created 0600 ends up 0600."""
    old = os.umask(0o022)
    monkeypatch.setattr(Path, "chmod", lambda *_a, **_k: None)
    monkeypatch.setattr(os, "chmod", lambda *_a, **_k: None)
    monkeypatch.setattr(os, "fchmod", lambda *_a, **_k: None)
    yield
    os.umask(old)


def _cli(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


@pytest.mark.usefixtures("no_chmod")
def test_l8_state_file_is_created_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "phone.json"
    assert _cli(monkeypatch, "device", "--state", str(state), "--pin-stdin", "create",
                stdin=f"{PIN}\n") == 0  # fmt: skip
    assert _mode(state) == 0o600
    # Every later write (here a wrong-PIN count) keeps it private, and replaces the
    # file whole (no half-written state after a crash).
    assert _cli(monkeypatch, "device", "--state", str(state), "--pin-stdin", "scan", QR,
                stdin="480272\n") == 2  # fmt: skip
    assert _mode(state) == 0o600
    assert json.loads(state.read_text())["wrong_pins"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phone.json"]


@pytest.mark.usefixtures("no_chmod")
def test_l8_save_replaces_the_file_and_keeps_0600(tmp_path: Path) -> None:
    phone = Device.create(pin=PIN, confirm_pin=PIN, kdf=KdfParams.for_tests())
    path = tmp_path / "state.json"
    phone.save(path)
    assert _mode(path) == 0o600
    path.write_text(path.read_text())  # an existing file is replaced, not reused
    phone.save(path)
    assert _mode(path) == 0o600
    assert Device.load(path).device_id == phone.device_id


def test_l8_biometric_secret_is_not_in_the_state_file(tmp_path: Path) -> None:
    phone = Device.create(pin=PIN, confirm_pin=PIN, biometrics=True, kdf=KdfParams.for_tests())
    path = tmp_path / "state.json"
    phone.save(path)
    text = path.read_text()
    assert "biometric_secret" not in text
    assert phone.biometric_secret is not None
    assert phone.biometric_secret.hex() not in text
    assert Device.from_json(phone.to_json()).biometric_secret is None
    # The phone itself unlocks with biometrics (its keystore is beside the state)...
    assert Device.load(path)._unlock(None, biometric=True) is not None
    # ...a copy of the state file alone does not: only the PIN opens it.
    copy = tmp_path / "copy.json"
    copy.write_text(text)
    stolen = Device.load(copy)
    with pytest.raises(StateError) as refused:
        stolen._unlock(None, biometric=True)
    assert refused.value.code == "biometrics_not_enabled"
    assert stolen._unlock(PIN, biometric=False) is not None


def test_l8_pin_is_never_a_command_line_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "phone.json"
    with pytest.raises(SystemExit):
        main(["device", "--state", str(state), "--pin", PIN, "create"])
    assert not state.exists()
    # From standard input (a script) or the environment (a test), or a prompt.
    assert _cli(monkeypatch, "device", "--state", str(state), "--pin-stdin", "create",
                stdin=f"{PIN}\n") == 0  # fmt: skip
    monkeypatch.setenv("SOFTTOKEN_DEVICE_PIN", "480272")
    assert _cli(monkeypatch, "device", "--state", str(state), "scan", QR) == 2
    assert "pin_wrong" in capsys.readouterr().err
    monkeypatch.delenv("SOFTTOKEN_DEVICE_PIN")
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": PIN)
    status = _cli(monkeypatch, "device", "--state", str(state), "status")
    assert status == 0
    assert json.loads(capsys.readouterr().out)["wrong_pins"] == 1
