"""Two peers, the server and a reference device, and the messages between them, so the
scenario tests read like the manual (after h11's tests/helpers.py). The people come from
``softtoken.testing`` (the same helpers portals use)."""

from __future__ import annotations

from typing import Any

from softtoken import Policy
from softtoken.authenticator import Device, KdfParams
from softtoken.lifecycle.activation._service import VerifiedActivation
from softtoken.testing import (
    Harness,
    Person,
    approve_registration,
    in_memory,
)
from softtoken.testing import soft_token_user as _soft_token_user

from .qr import decode_png

PERSON = Person()
USER = PERSON.user_id
CITIZEN = PERSON.citizen_id
EMAIL = PERSON.email
PASSWORD = PERSON.password
PIN = PERSON.pin


def decode_qr(png: bytes) -> str:
    """Read a QR code back from a PNG with zbar (the pyzbar binding)."""
    decoded = decode_png(png)
    assert len(decoded) == 1, f"exactly one QR code expected, zbar read {decoded!r}"
    return decoded[0]


def person(user_id: str = USER, email: str = EMAIL) -> Person:
    return Person(user_id=user_id, email=email)


def registered_account(harness: Harness, user_id: str = USER, email: str = EMAIL) -> None:
    """An account whose registration was approved and whose password is set."""
    approve_registration(harness, person(user_id, email))


def new_phone(**kwargs: Any) -> Device:
    return Device.create(pin=PIN, confirm_pin=PIN, kdf=KdfParams.for_tests(), **kwargs)


def activate(harness: Harness, phone: Device, user_id: str = USER) -> VerifiedActivation:
    """Chapter 2 step 5 with ``phone``: begin, scan, enroll, install."""
    soft = harness.softtoken
    if phone.clock is None:  # the phone's iat follows the server's fake clock
        phone.clock = harness.clock
    start = soft.activation.begin(user_id)
    verified = soft.activation.enroll(phone.enroll(phone.scan(start.qr_payload), pin=PIN))
    phone.install(verified.answer, pin=PIN)
    return verified


def soft_token_user(
    harness: Harness | None = None, *, policy: Policy | None = None
) -> tuple[Harness, Device]:
    """A harness with an activated soft token whose first-login password change is done."""
    h = harness or in_memory(policy=policy)
    return h, _soft_token_user(h)


def answer_for(mode: str, picture_id: str, code: str | None) -> str | None:
    return {"confirm": None, "select": picture_id, "enter": code}[mode]


def pending_one(harness: Harness, phone: Device) -> dict[str, Any]:
    [item] = harness.softtoken.push_login.pending_for_device(phone.certificate_serial)
    return item
