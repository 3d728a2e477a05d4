"""``softtoken device``: the reference authenticator driven through its command line and
a state file, against a server in this process."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from softtoken._clock import FakeClock
from softtoken.cli import main
from softtoken.testing import in_memory

from ..helpers.devices import PASSWORD, PIN, USER, registered_account


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out.strip()


def test_activate_and_approve_through_the_command_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The command-line phone signs with the system clock: the server's fake clock
    # starts at the same moment (approvals far from the server's clock are refused).
    harness = in_memory(clock=FakeClock(datetime.now(UTC)))
    soft = harness.softtoken
    registered_account(harness)
    state = str(tmp_path / "phone.json")
    monkeypatch.setenv("SOFTTOKEN_DEVICE_PIN", PIN)
    base = ["device", "--state", state]
    assert "created" in run(capsys, *base, "create")
    start = soft.activation.begin(USER)
    enrollment = run(capsys, *base, "scan", start.qr_payload)
    verified = soft.activation.enroll(enrollment)
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(verified.answer))
    assert verified.certificate_serial in run(capsys, *base, "install", str(answer))
    status = json.loads(run(capsys, *base, "status"))
    assert status["activated"] is True
    assert status["certificate"] == verified.certificate_serial

    challenge = soft.push_login.begin(USER, PASSWORD)
    [item] = soft.push_login.pending_for_device(status["certificate"])
    shown = json.loads(run(capsys, *base, "show", json.dumps(item)))
    assert shown["mode"] == challenge.mode
    approval = run(capsys, *base, "approve", json.dumps(item), "--answer", challenge.code or "")
    assert soft.push_login.respond(approval).decision == "approved"


def test_a_wrong_pin_is_counted_in_the_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = str(tmp_path / "phone.json")
    monkeypatch.setenv("SOFTTOKEN_DEVICE_PIN", PIN)
    run(capsys, "device", "--state", state, "create")
    qr = "softtoken://activate?v=1&s=https%3A%2F%2Fx.example&a=act_12345678&k=AAAAAAAAAAAAAAAAAAAAAA&e=1"
    monkeypatch.setenv("SOFTTOKEN_DEVICE_PIN", "480272")
    code = main(["device", "--state", state, "scan", qr])
    assert code == 2
    assert "pin_wrong" in capsys.readouterr().err
    assert json.loads(run(capsys, "device", "--state", state, "status"))["wrong_pins"] == 1
