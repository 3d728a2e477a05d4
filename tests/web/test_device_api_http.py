"""Every endpoint of docs/protocol.md through real HTTP: uvicorn (ASGI) and waitress
(WSGI) on 127.0.0.1, httpx as the network, the reference authenticator as the phone."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import attrs
import httpx
import pytest
import qrcode
import qrcode.constants
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from softtoken.authenticator import Device, KdfParams
from softtoken.errors import (
    AuthenticationError,
    ConcurrencyError,
    ConfigurationError,
    Conflict,
    DeliveryError,
    NotFound,
    RateLimited,
    SoftTokenError,
    StateError,
    StorageUnavailable,
    ValidationError,
)
from softtoken.lifecycle.sign_in import ChangePassword, SecondFactorRequired
from softtoken.policy import Policy
from softtoken.protocol import PICTURES, ca_key_pin
from softtoken.testing import (
    Harness,
    Person,
    approve_registration,
    in_memory,
    make_test_authority,
)
from softtoken.web import asgi_app, wsgi_app

from ..helpers.http import MOUNT, HttpPhone, mount_asgi, mount_wsgi, serve_asgi, serve_wsgi

PERSON = Person()


@attrs.frozen
class Rig:
    harness: Harness
    client: httpx.Client


def _serve(kind: str, app: Any) -> Any:
    return serve_asgi(mount_asgi(app)) if kind == "asgi" else serve_wsgi(mount_wsgi(app))


@pytest.fixture(params=["asgi", "wsgi"])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    harness = in_memory()
    soft = harness.softtoken
    app = asgi_app(soft) if request.param == "asgi" else wsgi_app(soft)
    with _serve(request.param, app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield Rig(harness=harness, client=client)


def _phone(rig: Rig) -> HttpPhone:
    device = Device.create(
        pin=PERSON.pin,
        confirm_pin=PERSON.pin,
        kdf=KdfParams.for_tests(),
        clock=rig.harness.clock,  # the phone's time is the server's (approval iat)
    )
    return HttpPhone(rig.client, device, PERSON.pin)


def _activated(rig: Rig) -> HttpPhone:
    approve_registration(rig.harness, PERSON)
    phone = _phone(rig)
    start = rig.harness.softtoken.activation.begin(PERSON.user_id)
    response = phone.enroll(start.qr_payload)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert rig.harness.softtoken.activation.check(start.activation_id, user_id=PERSON.user_id)
    return phone


JOSE = {"content-type": "application/jose"}
OCSP = {"content-type": "application/ocsp-request"}


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == code
    assert set(body["message"]) == {"th", "en"}
    return dict(body)


def test_enroll_poll_answer_over_http(rig: Rig) -> None:
    soft = rig.harness.softtoken
    phone = _activated(rig)
    assert phone.poll() == []
    challenge = soft.push_login.begin(PERSON.user_id, PERSON.password)
    [item] = phone.poll()
    assert item["type"] == "login"
    assert item["cid"] == challenge.challenge_id
    answered = phone.approve(item, challenge.code)
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"v": 1, "cid": challenge.challenge_id, "decision": "approved"}
    login = soft.push_login.check(challenge.challenge_id, user_id=PERSON.user_id)
    assert login.account.user_id.value == PERSON.user_id
    # The same answer again is a replay: refused, 403, nothing changes.
    _error(phone.approve(item, challenge.code), 403, "challenge_used")


def test_decline_over_http(rig: Rig) -> None:
    soft = rig.harness.softtoken
    phone = _activated(rig)
    soft.push_login.begin(PERSON.user_id, PERSON.password)
    [item] = phone.poll()
    assert phone.decline(item).json()["decision"] == "declined"


def test_renewal_request_and_answer_over_http(rig: Rig) -> None:
    soft = rig.harness.softtoken
    phone = _activated(rig)
    old = phone.device.certificate_serial
    start = soft.renewal.begin(PERSON.user_id)
    [item] = phone.poll()
    assert item["type"] == "renewal"
    assert item["rid"] == start.renewal_id
    response = phone.renew(item)
    assert response.status_code == 200, response.text
    assert response.json()["rid"] == start.renewal_id
    assert soft.renewal.check(start.renewal_id, user_id=PERSON.user_id).completed
    assert phone.device.certificate_serial != old


def test_revocation_notice_crl_and_ocsp_over_http(rig: Rig) -> None:
    soft = rig.harness.softtoken
    phone = _activated(rig)
    leaf, issuer = phone.device.chain()[:2]
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(leaf, issuer, hashes.SHA1())  # noqa: S303 - RFC 6960's CertID hash
        .build()
        .public_bytes(serialization.Encoding.DER)
    )

    def ocsp_status(*, get: bool) -> ocsp.OCSPCertStatus:
        if get:
            path = quote(base64.b64encode(request).decode(), safe="")
            response = rig.client.get(f"{MOUNT}/ca/ocsp/{path}")
        else:
            response = rig.client.post(
                f"{MOUNT}/ca/ocsp",
                content=request,
                headers={"content-type": "application/ocsp-request"},
            )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/ocsp-response"
        parsed = ocsp.load_der_ocsp_response(response.content)
        assert parsed.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
        return parsed.certificate_status

    assert ocsp_status(get=True) is ocsp.OCSPCertStatus.GOOD
    assert ocsp_status(get=False) is ocsp.OCSPCertStatus.GOOD
    soft.revocation.revoke(PERSON.user_id, reason="new_phone")
    assert phone.poll() == [{"v": 1, "type": "revoked", "reason": "new_phone"}]
    assert ocsp_status(get=True) is ocsp.OCSPCertStatus.REVOKED
    assert ocsp_status(get=False) is ocsp.OCSPCertStatus.REVOKED
    crl = rig.client.get(f"{MOUNT}/ca/crl")
    assert crl.status_code == 200
    assert crl.headers["content-type"] == "application/pkix-crl"
    revoked = x509.load_der_x509_crl(crl.content)
    assert revoked.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None


def test_pictures_as_data(rig: Rig) -> None:
    response = rig.client.get(f"{MOUNT}/device/pictures")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "max-age=86400"
    document = response.json()
    assert document["v"] == 1
    assert len(document["pictures"]) == len(PICTURES) == 30
    first = document["pictures"][0]
    assert first == {"id": "red-circle", "label": {"th": "วงกลมสีแดง", "en": "red circle"},
                     "colour": "#d62828", "shape": "circle", "svg": PICTURES[0].svg()}  # fmt: skip


def test_a_bad_ocsp_request_is_answered_malformed_in_a_200(rig: Rig) -> None:
    for response in (
        rig.client.get(f"{MOUNT}/ca/ocsp/not-base64!"),
        rig.client.post(
            f"{MOUNT}/ca/ocsp",
            content=b"junk",
            headers={"content-type": "application/ocsp-request"},
        ),
    ):
        assert response.status_code == 200
        parsed = ocsp.load_der_ocsp_response(response.content)
        assert parsed.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_http_refusals_come_before_the_body_is_parsed(rig: Rig) -> None:
    client = rig.client
    _error(client.get(f"{MOUNT}/device/nothing"), 404, "endpoint_not_found")
    refused = _error(client.get(f"{MOUNT}/device/enroll"), 405, "method_not_allowed")
    assert refused
    assert client.get(f"{MOUNT}/device/enroll").headers["allow"] == "POST"
    _error(
        client.post(
            f"{MOUNT}/device/enroll", content=b"x.y.z", headers={"content-type": "text/plain"}
        ),
        415,
        "unsupported_media_type",
    )
    big = b"a" * (Policy().device_request_max_bytes + 1)
    _error(
        client.post(
            f"{MOUNT}/device/answer", content=big, headers={"content-type": "application/jose"}
        ),
        413,
        "request_too_large",
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
        for _ in range(70):
            yield b"a" * 1024

    _error(
        client.post(
            f"{MOUNT}/device/answer", content=chunks(), headers={"content-type": "application/jose"}
        ),
        413,
        "request_too_large",
    )


def test_library_errors_over_http(rig: Rig) -> None:
    client = rig.client
    jose = {"content-type": "application/jose; charset=us-ascii"}
    body = _error(client.post(f"{MOUNT}/device/enroll", content=b"not a jws", headers=jose), 400,
                  "device_message_malformed")  # fmt: skip
    assert body["field"] == "message"
    _error(client.post(f"{MOUNT}/device/answer", content="é".encode(), headers=jose), 400,
           "device_message_malformed")  # fmt: skip
    assert _error(client.get(f"{MOUNT}/device/poll"), 400, "required")["field"] == "serial"
    _error(client.get(f"{MOUNT}/device/poll", params={"serial": "zz"}), 400, "invalid_value")
    # A serial nobody holds: nothing waits.
    assert client.get(f"{MOUNT}/device/poll", params={"serial": "1a2b"}).json() == []


class _Failing:
    """A stand-in facade whose poll raises the error named by the serial."""

    ERRORS: dict[str, SoftTokenError | Exception] = {  # noqa: RUF012 - test data
        "400": ValidationError("invalid_value", field="serial"),
        "403": AuthenticationError("certificate_revoked"),
        "404": NotFound("challenge_not_found"),
        "409a": Conflict("record_exists"),
        "409b": StateError("soft_token_not_active"),
        "429": RateLimited("too_many_pushes", retry_after=42),
        "500a": ConfigurationError("invalid_configuration"),
        "500b": RuntimeError("a bug"),
        "502": DeliveryError("delivery_failed"),
        "503a": StorageUnavailable("storage_unavailable"),
        "503b": ConcurrencyError("concurrent_update"),
    }

    policy = Policy()

    def device_poll(self, serial: object) -> list[dict[str, Any]]:
        raise self.ERRORS[str(serial)]


@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_every_error_status_over_http(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    fake: Any = _Failing()
    app = asgi_app(fake) if kind == "asgi" else wsgi_app(fake)
    with _serve(kind, app) as url, httpx.Client(base_url=url) as client:
        for key, error in _Failing.ERRORS.items():
            response = client.get(f"{MOUNT}/device/poll", params={"serial": key})
            assert response.status_code == int(key[:3]), key
            code = error.code if isinstance(error, SoftTokenError) else "internal_error"
            body = _error(response, int(key[:3]), code)
            if key == "429":
                assert body["retry_after"] == 42
                assert response.headers["retry-after"] == "42"
            if key.startswith("503"):
                assert response.headers["retry-after"] == "1"
            assert "a bug" not in response.text
    assert "device API GET /device/poll failed" in caplog.text


def test_the_activation_code_pins_the_ca_and_the_app_checks_it(rig: Rig) -> None:
    approve_registration(rig.harness, PERSON)
    soft = rig.harness.softtoken
    start = soft.activation.begin(PERSON.user_id)
    payload = Device.scan(start.qr_payload)
    assert payload.ca_pin == ca_key_pin(soft.ca.authority.root)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(start.qr_payload)
    code.make(fit=True)
    assert code.version <= 10
    phone = _phone(rig)
    message = phone.device.enroll(payload, pin=PERSON.pin)
    answer = phone.post("enroll", message).json()
    assert phone.device.ca_pin == payload.ca_pin  # kept from the code, with the state
    assert Device.from_json(phone.device.to_json()).ca_pin == payload.ca_pin
    other_ca = make_test_authority(now=rig.harness.clock.now(), name="someone else")
    phone.device.ca_pin = ca_key_pin(other_ca.root)
    with pytest.raises(AuthenticationError) as untrusted:
        phone.device.install(answer, pin=PERSON.pin)
    assert untrusted.value.code == "certificate_untrusted"
    assert phone.device.chain_pem == []  # nothing kept
    phone.device.ca_pin = payload.ca_pin
    phone.device.install(answer, pin=PERSON.pin)
    assert phone.device.activated
    # A renewal answer is checked against the same pin.
    soft.renewal.begin(PERSON.user_id)
    [request] = soft.device_poll(phone.device.certificate_serial)
    renewed = phone.post("renewal", phone.device.accept_renewal(request, pin=PERSON.pin))
    phone.device.ca_pin = ca_key_pin(other_ca.root)
    with pytest.raises(AuthenticationError):
        phone.device.install_renewal(renewed.json(), pin=PERSON.pin)


def test_enroll_poll_answer_on_every_storage(harness: Harness) -> None:
    """The server's threads share one SoftToken on each adapter (SQLite and the servers
    included), as a deployment's workers do."""
    with (
        serve_asgi(mount_asgi(asgi_app(harness.softtoken))) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        phone = _activated(Rig(harness=harness, client=client))
        started = harness.softtoken.sign_in.begin(PERSON.user_id, PERSON.password)
        assert isinstance(started, SecondFactorRequired)
        [item] = phone.poll()
        assert phone.approve(item, started.code).status_code == 200
        result = harness.softtoken.sign_in.wait(started.handle, timeout=5)
        assert isinstance(result, ChangePassword)  # the first soft token login (chapter 3)
    close = getattr(harness.softtoken.sign_in.signal, "close", None)
    if close is not None:  # PostgreSQL's LISTEN thread
        close()
