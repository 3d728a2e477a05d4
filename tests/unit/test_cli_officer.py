"""``softtoken officer``: registrations and service requests from submission to the
emailed result, the reset and the account re-enabled, the CRL and the audit log, with
tables and ``--json``; and once against a deployment opened from the environment."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography import x509

from softtoken import AccountStatus, AuthenticationError, RateLimited, UserId
from softtoken.cli import main
from softtoken.cli._officer import _width, table
from softtoken.testing import Harness, Person, in_memory, soft_token_user

from ..helpers.registration import to_awaiting_approval
from ..helpers.service_requests import form_for, signed_pdf

SOMCHAI = Person()


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> Harness:
    """A deployment with a soft token user that every ``softtoken officer`` call opens."""
    harness = in_memory()
    soft_token_user(harness, SOMCHAI)
    monkeypatch.setattr("softtoken.cli._officer.open_deployment", lambda: harness.softtoken)
    return harness


def awaiting_approval(harness: Harness, person: Person) -> str:
    """A registration at step 4, waiting for an officer."""
    harness.softtoken.accounts.create(
        user_id=person.user_id, first_name=person.first_name, last_name=person.last_name
    )
    reg = to_awaiting_approval(harness, person.user_id, person.citizen_id, person.email)
    return reg.registration_id


def disable_reset(harness: Harness) -> None:
    """100 wrong reset codes in a row (5-minute waits between fives): self-service off."""
    soft, clock = harness.softtoken, harness.clock
    reset = soft.password_reset
    for _ in range(20):
        reset.request(SOMCHAI.user_id, SOMCHAI.citizen_id, SOMCHAI.email)
        for _ in range(5):
            with pytest.raises((AuthenticationError, RateLimited)):
                reset.confirm(SOMCHAI.user_id, "000000")
        clock.advance(timedelta(minutes=5))
    with pytest.raises(RateLimited) as disabled:
        reset.request(SOMCHAI.user_id, SOMCHAI.citizen_id, SOMCHAI.email)
    assert disabled.value.code == "otp_disabled"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["officer", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def files(tmp_path: Path, purpose: str = "lost_phone", **changes: object) -> tuple[str, str]:
    form, pdf = tmp_path / "form.json", tmp_path / "signed.pdf"
    form.write_text(json.dumps(form_for(SOMCHAI, purpose, **changes), ensure_ascii=False))
    pdf.write_bytes(signed_pdf())
    return str(form), str(pdf)


@pytest.mark.usefixtures("desk")
def test_a_service_request_from_the_emailed_form_to_the_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    form, pdf = files(tmp_path)
    made = run_json(
        capsys,
        "requests",
        "submit",
        "--form",
        form,
        "--signed-form",
        pdf,
        "--officer",
        "recorder.a",
    )
    rid = made["request_id"]
    assert (made["state"], made["recorded_by"]) == ("submitted", "officer:recorder.a")
    assert made["overdue"] is False
    code, out, _ = run(capsys, "requests", "list")
    assert code == 0
    header, rule, row = out.splitlines()
    assert header.split() == [
        "request_id",
        "user_id",
        "purpose",
        "state",
        "age",
        "overdue",
        "recorded_by",
        "reviewer",
    ]
    assert set(rule.replace(" ", "")) == {"-"}
    assert row.split()[:4] == [rid, SOMCHAI.user_id, "lost_phone", "submitted"]
    run_json(capsys, "requests", "review", rid, "--officer", "recorder.a", "--note", "phoned")
    code, _, err = run(capsys, "requests", "approve", rid, "--officer", "recorder.a")
    assert code == 2
    assert "service_request_dual_control" in err
    done = run_json(capsys, "requests", "approve", rid, "--officer", "reviewer.b")
    assert (done["state"], done["decision"], done["decided_by"]) == (
        "notified",
        "approved",
        "officer:reviewer.b",
    )
    assert done["effects"]["crl_reason"] == 1
    assert done["note"] == "phoned"
    code, _, err = run(capsys, "requests", "approve", rid, "--officer", "reviewer.c")
    assert (code, "service_request_closed" in err) == (2, True)
    copy = tmp_path / "copy.pdf"
    code, out, _ = run(capsys, "requests", "show", rid, "--pdf", str(copy))
    assert code == 0
    assert copy.read_bytes() == signed_pdf()
    assert "purpose_en" in out
    assert "phone lost" in out
    assert run_json(capsys, "requests", "list") == []
    assert [r["request_id"] for r in run_json(capsys, "requests", "list", "--all")] == [rid]
    crl_file = tmp_path / "crl.der"
    published = run_json(capsys, "publish-crl", "--out", str(crl_file))
    assert published["entries"] == 1
    [entry] = list(x509.load_der_x509_crl(crl_file.read_bytes()))
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )


def test_refusals_are_reported_and_store_nothing(
    desk: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    form, _ = files(tmp_path, mobile="123")
    text = tmp_path / "letter.pdf"
    text.write_text("not really a PDF")
    code, _, err = run(
        capsys,
        "requests",
        "submit",
        "--form",
        form,
        "--signed-form",
        str(text),
        "--officer",
        "recorder.a",
    )
    assert code == 2
    assert "mobile: [invalid_phone]" in err
    assert "signed_form: [document_not_pdf]" in err
    good_form, pdf = files(tmp_path)
    code, _, err = run(capsys, "requests", "submit", "--form", good_form, "--signed-form", pdf)
    assert (code, "officer_required" in err) == (2, True)
    assert desk.softtoken.service_requests.list() == []


def test_overdue_requests_are_listed_with_their_age(
    desk: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    form, pdf = files(tmp_path, "change_phone")
    made = run_json(
        capsys,
        "requests",
        "submit",
        "--form",
        form,
        "--signed-form",
        pdf,
        "--officer",
        "recorder.a",
    )
    assert run_json(capsys, "requests", "list", "--overdue") == []
    desk.clock.advance(timedelta(minutes=75))
    [late] = run_json(capsys, "requests", "list", "--overdue")
    assert (late["request_id"], late["overdue"], late["age"]) == (made["request_id"], True, "1h15m")
    assert late["age_seconds"] == 75 * 60
    rejected = run_json(capsys, "requests", "review", made["request_id"], "--officer", "b.x")
    assert rejected["reviewer"] == "officer:b.x"
    rejected = run_json(
        capsys,
        "requests",
        "reject",
        made["request_id"],
        "--officer",
        "b.x",
        "--reason",
        "the head of the agency did not sign",
    )
    assert rejected["rejection_reason"] == "the head of the agency did not sign"
    assert run_json(capsys, "requests", "list", "--overdue") == []


def test_registrations_reset_account_and_audit(
    desk: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = awaiting_approval(
        desk, Person(user_id="T05005000000301", email="a@example.go.th", citizen_id="3100600123450")
    )
    desk.clock.advance(timedelta(minutes=1))
    second = awaiting_approval(
        desk, Person(user_id="T05005000000302", email="b@example.go.th", citizen_id="1101700207544")
    )
    code, out, _ = run(capsys, "registrations", "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[2:]] == [first, second]
    assert "XX-X" in out  # the citizen ID is masked
    shown = run_json(capsys, "registrations", "show", first)
    assert (shown["state"], shown["step"]) == ("awaiting_approval", 4)
    approved = run_json(capsys, "registrations", "approve", first, "--officer", "off.1")
    assert (approved["state"], approved["decided_by"]) == ("approved", "officer:off.1")
    rejected = run_json(
        capsys,
        "registrations",
        "reject",
        second,
        "--officer",
        "off.1",
        "--reason",
        "the assignment order names someone else",
    )
    assert rejected["state"] == "rejected"
    assert run_json(capsys, "registrations", "list") == []

    disable_reset(desk)
    assert run_json(capsys, "enable-reset", SOMCHAI.user_id, "--officer", "off.1") == {
        "user_id": SOMCHAI.user_id,
        "reset": "enabled",
    }
    soft = desk.softtoken
    soft.password_reset.request(SOMCHAI.user_id, SOMCHAI.citizen_id, SOMCHAI.email)
    with soft.unit_of_work() as uow:
        account = uow.accounts.get(UserId(SOMCHAI.user_id))
        uow.accounts.update(attrs.evolve(account, status=AccountStatus.DISABLED))
        uow.commit()
    enabled = run_json(capsys, "enable-account", SOMCHAI.user_id, "--officer", "off.1")
    assert enabled["status"] == "active"
    assert soft.accounts.get(SOMCHAI.user_id).status is AccountStatus.ACTIVE
    out_file = tmp_path / "audit.jsonl"
    code, _, err = run(capsys, "audit", "export", "--out", str(out_file))
    records = [json.loads(line) for line in out_file.read_text("utf-8").splitlines()]
    assert f"{len(records)} audit records" in err
    actions = {(r["actor"], r["action"]) for r in records}
    assert ("officer:off.1", "registration.approve") in actions
    assert ("officer:off.1", "otp.enable") in actions
    assert ("officer:off.1", "account.enable") in actions
    verified = run_json(capsys, "audit", "verify")
    assert verified == {"verified_records": len(records), "chain": "intact"}


def test_a_deployment_opened_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from softtoken.ca import create_authority_files

    paths = create_authority_files(
        tmp_path / "ca", name="Officer test", passphrase=b"pass", now=datetime.now(UTC)
    )
    env = {
        "SOFTTOKEN_SECRET_KEY": base64.b64encode(b"k" * 32).decode(),
        "SOFTTOKEN_STORAGE_URL": f"sqlite:///{tmp_path / 'st.db'}",
        "SOFTTOKEN_CA_ROOT_CERT": str(paths["root"]),
        "SOFTTOKEN_CA_ISSUING_CERT": str(paths["issuing"]),
        "SOFTTOKEN_CA_KEY_FILE": str(paths["issuing-key"]),
        "SOFTTOKEN_CA_KEY_PASSPHRASE": "pass",
        "SOFTTOKEN_OFFICER": "env.officer",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, out, _ = run(capsys, "requests", "list")
    assert (code, out.strip()) == (0, "(none)")
    assert run_json(capsys, "audit", "verify") == {"verified_records": 0, "chain": "intact"}
    crl_file = tmp_path / "crl.pem"
    assert run_json(capsys, "publish-crl", "--out", str(crl_file), "--pem")["entries"] == 0
    crl = x509.load_pem_x509_crl(crl_file.read_bytes())
    issuing = x509.load_pem_x509_certificate(Path(paths["issuing"]).read_bytes())
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    code, _, err = run(capsys, "enable-account", "T05005000000999")
    assert (code, "account_not_found" in err) == (2, True)  # the officer came from the env


def test_table_aligns_thai_text() -> None:
    text = table([{"a": "สมชาย ใจดี", "b": 1}, {"a": "x", "b": None}], ["a", "b"])
    lines = text.splitlines()
    thai, plain = lines[2], lines[3]
    assert _width(thai[: thai.index("1")]) == _width(plain[: plain.rindex("-")]) == 11
    assert table([], ["a"]) == "(none)"


def test_m6_the_command_line_officer_is_a_normalised_identity(
    desk: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    person = Person(user_id="T05005000000301", email="a@example.go.th", citizen_id="3100600123450")
    rid = awaiting_approval(desk, person)
    # The person's own user ID as the officer, in any case: refused, nothing changes.
    code, _, err = run(capsys, "registrations", "approve", rid, "--officer", person.user_id.lower())
    assert (code, "officer_own_account" in err) == (2, True)
    monkeypatch.setenv("SOFTTOKEN_OFFICER_ROLES", "registration, review")
    approved = run_json(
        capsys, "registrations", "approve", rid, "--officer", "Off.1", "--officer-name", "Officer 1"
    )
    assert approved["decided_by"] == "officer:off.1"
    entry = [
        r.entry
        for r in desk.softtoken.audit.records()
        if (r.entry.action, r.entry.subject) == ("registration.approve", person.user_id)
    ][-1]
    assert entry.subject == person.user_id
    assert entry.details["officer_roles"] == "registration,review"
    code, _, err = run(
        capsys, "registrations", "reject", rid, "--reason", "x", "--officer-role", "Bad Role!"
    )
    assert (code, "officer_required" in err or "invalid_value" in err) == (2, True)


def test_export_writes_everything_held_to_a_private_file(
    desk: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    desk.softtoken.accounts.create(
        user_id="T05005000000302", first_name="มาลี", last_name="สุข", email="m@example.go.th"
    )
    out = tmp_path / "held.json"
    done = run_json(capsys, "export", "T05005000000302", "--out", str(out), "--officer", "off.2")
    assert done == {"user_id": "T05005000000302", "out": str(out), "by": "off.2"}
    assert out.stat().st_mode & 0o777 == 0o600
    held = json.loads(out.read_text("utf-8"))
    assert held["account"][0]["email"] == "m@example.go.th"
    code, _, err = run(capsys, "export", "T05005000000302", "--out", str(out))
    assert (code, "officer_required" in err) == (2, True)


def test_close_then_erase_after_the_retention_period(
    desk: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    uid = SOMCHAI.user_id
    code, _, err = run(capsys, "erase", uid, "--officer", "off.2")
    assert (code, "account_not_closed" in err) == (2, True)
    with pytest.raises(SystemExit):  # argparse names the reasons there are
        run(capsys, "close", uid, "--reason", "bored", "--officer", "off.2")
    closed = run_json(capsys, "close", uid, "--reason", "left_service", "--officer", "off.2")
    assert closed == {"user_id": uid, "closed_at": desk.clock.now().isoformat(), "by": "off.2"}
    code, _, err = run(capsys, "erase", uid, "--officer", "off.2")
    assert (code, "retention_not_over" in err) == (2, True)
    desk.clock.advance(desk.softtoken.policy.retention_closed_accounts)
    erased = run_json(capsys, "erase", uid, "--officer", "off.2")
    assert (erased["erased"], erased["by"], erased["accounts"]) == (True, "off.2", 1)
    records = desk.softtoken.audit.records()  # by chain, then sequence
    (done,) = [r for r in records if r.entry.action == "privacy.erase"]
    assert done.entry.actor == "officer:off.2"
    assert desk.softtoken.audit.verify() == len(desk.softtoken.audit.records())
