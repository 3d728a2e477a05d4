"""Two peers, the server and a reference device, and the messages between them, so the
scenario tests read like the manual (after h11's tests/helpers.py)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from softtoken import Policy, UserId
from softtoken.device import Device, KdfParams
from softtoken.lifecycle._activation_service import VerifiedActivation
from softtoken.testing import Harness, in_memory

USER = "T05005000000201"
CITIZEN = "1101700207536"
EMAIL = "somchai@example.go.th"
PASSWORD = "a long passphrase of mine"
PIN = "480271"


def decode_qr(png: bytes) -> str:
    """Read a QR code back from a PNG with zbar (the pyzbar binding)."""
    try:
        from io import BytesIO

        from PIL import Image
        from pyzbar import pyzbar
    except ImportError as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"zbar QR decoding needs pyzbar, Pillow and libzbar: {error}")
    decoded = pyzbar.decode(Image.open(BytesIO(png)))
    assert len(decoded) == 1, "exactly one QR code expected"
    return str(decoded[0].data.decode("utf-8"))


def registered_account(
    harness: Harness, user_id: str = USER, email: str = EMAIL, citizen_id: str = CITIZEN
) -> None:
    """An account whose registration (chapter 2 steps 1 to 4, with the Pao Tang wallet
    simulator) was approved by an officer, and whose password is set."""
    from .registration import make_account, to_awaiting_approval

    soft = harness.softtoken
    make_account(harness, user_id)
    registration = to_awaiting_approval(harness, user_id, citizen_id, email)
    soft.registration.approve(registration.registration_id, officer="officer.test")
    temporary = soft.accounts.issue_temporary_password(user_id)
    soft.accounts.change_password(
        user_id, current_password=temporary, new_password=PASSWORD, confirm_password=PASSWORD
    )


def new_phone(**kwargs: Any) -> Device:
    return Device.create(pin=PIN, confirm_pin=PIN, kdf=KdfParams.for_tests(), **kwargs)


def activate(harness: Harness, phone: Device, user_id: str = USER) -> VerifiedActivation:
    """Chapter 2 step 5 with the device: begin, scan, enroll, install."""
    soft = harness.softtoken
    start = soft.activation.begin(user_id)
    verified = soft.activation.enroll(phone.enroll(phone.scan(start.qr_payload), pin=PIN))
    phone.install(verified.answer, pin=PIN)
    return verified


def soft_token_user(
    harness: Harness | None = None, *, policy: Policy | None = None
) -> tuple[Harness, Device]:
    """A harness with an activated soft token whose first-login password change is done."""
    h = harness or in_memory(policy=policy)
    registered_account(h)
    phone = new_phone()
    activate(h, phone)
    with h.softtoken.unit_of_work() as uow:
        account = uow.accounts.get(UserId(USER))
        uow.accounts.update(attrs.evolve(account, must_change_password=False))
        uow.commit()
    return h, phone


def answer_for(mode: str, picture_id: str, code: str | None) -> str | None:
    return {"confirm": None, "select": picture_id, "enter": code}[mode]


def pending_one(harness: Harness, phone: Device) -> dict[str, Any]:
    [item] = harness.softtoken.push_login.pending_for_device(phone.certificate_serial)
    return item
