"""Subject access (issue 17 part 5, export): everything held about a person, as JSON,
with their documents, and none of the secrets that protect them; on every adapter."""

from __future__ import annotations

import base64
import json

import pytest

from softtoken import NotFound, ValidationError
from softtoken.testing import Harness, Person, soft_token_user

from ..helpers.service_requests import RECORDER, REVIEWER, form_for, signed_pdf


def test_export_holds_the_person_s_records_and_documents(harness: Harness) -> None:
    soft = harness.softtoken
    person = Person()
    soft_token_user(harness, person)
    request = soft.service_requests.submit(
        form_for(person, "forgot_pin"), signed_form=signed_pdf(), officer=RECORDER
    )
    soft.service_requests.take(request.request_id, officer=REVIEWER)
    soft.service_requests.reject(request.request_id, officer=REVIEWER, reason="unsigned")
    harness.deliver_mail()

    held = soft.privacy.export(person.user_id)
    text = json.dumps(held, ensure_ascii=False)  # JSON-ready through and through
    assert held["format"] == "softtoken-subject-access/v1"
    [account] = held["account"]
    assert (account["user_id"], account["citizen_id"], account["email"]) == (
        person.user_id,
        person.citizen_id,
        person.email,
    )
    assert [r["state"] for r in held["registrations"]] == ["activated"]
    assert len(held["proofings"]) == 1
    assert [c["status"] for c in held["certificates"]] == ["active"]
    assert len(held["device_bindings"]) == 1
    assert [r["request_id"] for r in held["service_requests"]] == [request.request_id]
    assert held["mail"]
    assert all(m["recipient"] == person.email for m in held["mail"])
    assert held["audit_records"]
    assert all(r["subject"] == person.user_id for r in held["audit_records"])
    # The signed form, byte for byte.
    forms = {d["document_id"]: d["content"] for d in held["documents"]}
    assert base64.b64decode(forms[request.signed_form]) == signed_pdf()
    # Secrets that protect the person are shown only as set or not.
    assert account["password_hash_set"] is True
    assert "password_hash" not in account
    assert "$argon2" not in text
    assert all("sealed" not in m for m in held["mail"])
    # The export itself is audited, without its content.
    [record] = [r for r in soft.audit.records() if r.entry.action == "privacy.export"]
    assert set(record.entry.details) == {"records"}


def test_export_of_another_person_holds_nothing_of_this_one(harness: Harness) -> None:
    soft = harness.softtoken
    soft_token_user(harness)
    soft.accounts.create(user_id="T05005000000299", first_name="ใหม่", last_name="ผู้ใช้")
    held = soft.privacy.export("T05005000000299")
    assert Person().citizen_id not in json.dumps(held)
    assert held["registrations"] == held["certificates"] == held["documents"] == []


def test_export_refuses_unknown_and_malformed_ids(harness: Harness) -> None:
    with pytest.raises(NotFound):
        harness.softtoken.privacy.export("T05005000000298")
    with pytest.raises(ValidationError):
        harness.softtoken.privacy.export("not an id")
