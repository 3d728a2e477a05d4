"""The parts of docs/protocol.md that the device HTTP API serves: the endpoint table,
the poll, renewal, pictures and error examples, and the status table, each checked
against the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from softtoken.authenticator import Device
from softtoken.ca import RevocationReason
from softtoken.errors import ValidationError
from softtoken.protocol import ActivationPayload, RenewalClaims
from softtoken.testing import in_memory
from softtoken.web import ERROR_STATUS, DeviceApi, error_body
from softtoken.web._handler import pictures_document

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text("utf-8")
EXAMPLE = re.compile(r"<!-- example: (\w+) -->\n```\w+\n(.*?)```", re.DOTALL)
EXAMPLES = {name: body.strip() for name, body in EXAMPLE.findall(DOC)}


def test_the_document_has_every_example() -> None:
    assert set(EXAMPLES) == {
        "activation_uri", "enrollment", "challenge", "approval", "poll", "renewal_claims",
        "renewal_answer", "picture", "error",
    }  # fmt: skip


def test_every_endpoint_of_the_table_is_served() -> None:
    api = DeviceApi(in_memory().softtoken)
    rows = re.findall(r"`(GET|POST) \{(server|ca)\}/(\w+)(/<request>)?", DOC)
    assert len(rows) >= 7
    for method, base, name, request in rows:
        path = f"/{'device' if base == 'server' else 'ca'}/{name}" + ("/MAA=" if request else "")
        answer = api.precheck(method, path, {"content-type": "application/jose"}, 0)
        assert answer is None or answer.status == 415, (method, path)  # routed


def test_the_activation_example_carries_a_ca_pin() -> None:
    payload = ActivationPayload.parse(EXAMPLES["activation_uri"])
    assert payload.ca_pin is not None
    assert len(payload.ca_pin) == 43


def test_poll_example_items() -> None:
    items = json.loads(EXAMPLES["poll"])
    assert [i["type"] for i in items] == ["login", "renewal"]
    assert Device.view(items[0]).challenge_id == items[0]["cid"]
    renewal = items[1]
    assert set(renewal) == {"v", "type", "rid", "nonce", "new_key", "portal", "exp"}
    claims = RenewalClaims.from_claims(json.loads(EXAMPLES["renewal_claims"]))
    assert claims.renewal_id == renewal["rid"]
    assert claims.nonce == renewal["nonce"]
    assert claims.csr_der is None


def test_a_real_poll_has_the_documented_shape() -> None:
    from softtoken.testing import Person, soft_token_user

    harness = in_memory()
    phone = soft_token_user(harness)
    soft, who = harness.softtoken, Person()
    soft.push_login.begin(who.user_id, who.password)
    soft.renewal.begin(who.user_id)
    answer = DeviceApi(soft).handle(
        "GET", "/device/poll", query=f"serial={phone.certificate_serial}"
    )
    documented = json.loads(EXAMPLES["poll"])
    assert [set(item) for item in answer.json()] == [set(item) for item in documented]
    request = answer.json()[1]
    renewed = soft.renewal.complete(phone.accept_renewal(request, pin=who.pin)).answer
    assert set(renewed) == set(json.loads(EXAMPLES["renewal_answer"]))
    soft.revocation.revoke(who.user_id, reason="new_phone")
    [notice] = soft.device_poll(phone.certificate_serial)
    assert notice == {"v": 1, "type": "revoked", "reason": "new_phone"}


def test_revocation_reasons_listed_are_real() -> None:
    section = DOC[DOC.index("## 7. Revocation notice") : DOC.index("## 8.")]
    listed = set(re.findall(r"`([a-z_]+)`", section)) - {"revoked", "reason"}
    assert listed <= {r.value for r in RevocationReason}


def test_picture_example_is_the_published_first_picture() -> None:
    assert json.loads(EXAMPLES["picture"]) == pictures_document()["pictures"][0]


def test_error_example_and_status_table() -> None:
    error = ValidationError("device_message_malformed", field="message")
    assert json.loads(EXAMPLES["error"]) == error_body(error)
    table = DOC[DOC.index("<!-- statuses -->") :]
    documented = {int(s) for s in re.findall(r"^\| (\d{3}) \|", table, re.MULTILINE)}
    assert {status for _, status in ERROR_STATUS} <= documented
    assert {405, 413, 415} <= documented
