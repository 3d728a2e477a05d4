"""The device API takes the Pao Tang wallet's callback (``POST /proofing/paotang``), so
a portal that mounts ``softtoken.web`` needs no route of its own for it."""

from __future__ import annotations

from softtoken import SoftToken
from softtoken.testing import Person, in_memory
from softtoken.web import JOSE, DeviceApi

WHO = Person()


def _at_step_2() -> tuple[DeviceApi, str, SoftToken]:
    harness = in_memory()
    soft = harness.softtoken
    soft.accounts.create(user_id=WHO.user_id, first_name=WHO.first_name, last_name=WHO.last_name)
    soft.registration.start(WHO.user_id)
    version = soft.registration.settings.consent_version
    soft.registration.identify(
        WHO.user_id, citizen_id=WHO.citizen_id, accept_consent=True, consent_version=version
    )
    challenge = soft.registration.begin_proofing(WHO.user_id)
    assert challenge.qr_payload is not None
    app = harness.wallet.enroll(citizen_id=WHO.citizen_id, first_name=WHO.first_name,
                                last_name=WHO.last_name)  # fmt: skip
    return DeviceApi(soft), app.scan(challenge.qr_payload, accept_consent=True), soft


def test_the_wallet_posts_its_assertion_and_check_status_passes() -> None:
    api, token, soft = _at_step_2()
    answer = api.handle("POST", "/proofing/paotang", headers={"content-type": JOSE},
                        body=token.encode())  # fmt: skip
    assert answer.status == 200
    assert answer.json() == {"v": 1, "status": "verified"}
    assert soft.registration.check_status(WHO.user_id).proofing_completed


def test_a_forged_or_malformed_assertion_is_refused() -> None:
    api, token, _soft = _at_step_2()
    head, body, _signature = token.split(".")
    forged = api.handle("POST", "/proofing/paotang", headers={"content-type": JOSE},
                        body=f"{head}.{body}.AAAA".encode())  # fmt: skip
    assert forged.status in {400, 403}
    assert forged.json()["error"].startswith("proofing_")
    garbage = api.handle("POST", "/proofing/paotang", headers={"content-type": JOSE},
                         body=b"\xff\xfe")  # fmt: skip
    assert garbage.status == 400
    wrong_type = api.handle("POST", "/proofing/paotang", body=token.encode(),
                            headers={"content-type": "application/json"})  # fmt: skip
    assert wrong_type.status == 415
    assert api.handle("GET", "/proofing/paotang").status == 405
    assert api.handle("POST", "/proofing/thaid", headers={"content-type": JOSE},
                      body=token.encode()).status == 404  # fmt: skip
