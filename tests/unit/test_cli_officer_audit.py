"""``softtoken officer audit``: verify, export, checkpoint (kept outside the database)
and verify against it, and an officer's reseal after an incident (issue 12 M1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from softtoken.cli import main
from softtoken.testing import Harness, in_memory

USER = "T05005000000201"


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> Harness:
    harness = in_memory()
    harness.softtoken.accounts.create(user_id=USER, first_name="A", last_name="B")
    harness.softtoken.accounts.issue_temporary_password(USER)
    monkeypatch.setattr("softtoken.cli._officer.open_deployment", lambda: harness.softtoken)
    return harness


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["officer", "audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_m1_checkpoint_exported_and_verified_against(
    desk: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "checkpoint.json"
    made = run_json(capsys, "checkpoint", "--out", str(out))
    assert made == {"checkpoint": str(out), "seq": 2, "at": desk.clock.now().isoformat()}
    assert json.loads(out.read_text("utf-8"))["format"] == "softtoken-audit-checkpoint/v2"
    code, printed, _ = run(capsys, "checkpoint")
    assert code == 0
    assert json.loads(printed)["seq"] == 2

    desk.softtoken.accounts.issue_temporary_password(USER)
    verified = run_json(capsys, "verify", "--checkpoint", str(out))
    assert verified == {"verified_records": 3, "chain": "intact", "checkpoint_seq": 2}

    tx = desk.softtoken.storage.begin()
    tx.delete("st_audit_events", [])
    tx.delete("st_audit_head", [])
    tx.delete("st_accounts", [])
    tx.commit()
    assert run_json(capsys, "verify") == {"verified_records": 0, "chain": "intact"}
    code, _, err = run(capsys, "verify", "--checkpoint", str(out))
    assert code == 2
    assert "audit_chain_broken" in err
    assert "shorter than the checkpoint" in err


def test_m1_a_checkpoint_file_that_is_not_one(
    desk: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert desk.softtoken.audit.verify() == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{}", "utf-8")
    code, _, err = run(capsys, "verify", "--checkpoint", str(bad))
    assert code == 2
    assert "invalid_audit_checkpoint" in err


def test_m1_reseal_by_an_officer(desk: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    tx = desk.softtoken.storage.begin()
    tx.update("st_audit_head", [("id", "=", 1)], {"mac": None})
    tx.commit()
    code, _, err = run(capsys, "verify")
    assert (code, "audit_chain_broken" in err) == (2, True)
    code, _, err = run(capsys, "reseal")
    assert (code, "officer_required" in err) == (2, True)
    resealed = run_json(capsys, "reseal", "--officer", "off.1")
    assert resealed == {"records_kept": 2, "head_was": 2, "chain": "resealed"}
    assert run_json(capsys, "verify") == {"verified_records": 3, "chain": "intact"}


def test_convert_has_nothing_to_do_on_a_log_written_in_format_2(
    desk: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    # Format 1 records come only from a database older than revision 0007; the
    # conversion itself is tested on such a database (tests/contract/test_audit_upgrade.py).
    assert run_json(capsys, "convert") == {"converted_records": 0}
    assert {r.format for r in desk.softtoken.audit.records()} == {2}
