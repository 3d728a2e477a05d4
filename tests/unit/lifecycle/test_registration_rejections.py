"""Refused uploads and inputs at step 1 and 3 leave the registration, and all storage,
exactly as it was."""

from __future__ import annotations

import pytest

from softtoken import SoftTokenError, StateError, ValidationError
from softtoken._qr import qr_png
from softtoken._registration_settings import RegistrationSettings
from softtoken.storage.sql import metadata
from softtoken.testing import Harness, in_memory, sample_pdf

from ...helpers.registration import CITIZEN, CONSENT, USER, make_account

MB = 1024 * 1024


def snapshot(harness: Harness) -> dict[str, list[dict[str, object]]]:
    tx = harness.softtoken.storage.begin()
    try:
        return {
            t.name: tx.select(t.name, order_by=[c.name for c in t.primary_key.columns])
            for t in metadata.sorted_tables
        }
    finally:
        tx.rollback()


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (qr_png("a PNG named order.pdf"), "document_not_pdf"),
        (sample_pdf(size=11 * MB), "document_too_large"),
        (b"", "document_empty"),
    ],
    ids=["not-a-pdf", "11-mb", "empty"],
)
def test_bad_assignment_orders_change_nothing(harness: Harness, upload: bytes, code: str) -> None:
    asking = in_memory(
        storage=harness.softtoken.storage,
        registration=RegistrationSettings(assignment_order_required=True),
    )
    soft = asking.softtoken
    make_account(asking)
    soft.registration.start(USER)
    before = snapshot(asking)
    with pytest.raises(ValidationError) as refused:
        soft.registration.identify(
            USER,
            citizen_id=CITIZEN,
            accept_consent=True,
            consent_version=CONSENT,
            assignment_order=upload,
        )
    assert (refused.value.code, refused.value.field) == (code, "assignment_order")
    assert snapshot(asking) == before
    assert soft.registration.current(USER).step == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"accept_consent": False}, "consent_required"),
        ({"consent_version": "0"}, "consent_outdated"),
        ({"citizen_id": "1101700207537"}, "invalid_citizen_id"),
    ],
)
def test_bad_step_1_input_changes_nothing(
    harness: Harness, kwargs: dict[str, object], code: str
) -> None:
    make_account(harness)
    harness.softtoken.registration.start(USER)
    before = snapshot(harness)
    args: dict[str, object] = {
        "citizen_id": CITIZEN,
        "accept_consent": True,
        "consent_version": CONSENT,
        **kwargs,
    }
    with pytest.raises(SoftTokenError) as refused:
        harness.softtoken.registration.identify(USER, **args)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert snapshot(harness) == before


def test_a_wrong_email_code_only_counts_the_failure(harness: Harness) -> None:
    from ...helpers.registration import DETAILS, EMAIL, to_confirm_data

    soft = harness.softtoken
    make_account(harness)
    to_confirm_data(harness)
    soft.registration.update_details(USER, email=EMAIL, **DETAILS)
    soft.registration.send_email_code(USER)
    reg = soft.registration.current(USER)
    with pytest.raises(SoftTokenError) as wrong:
        soft.registration.verify_email(USER, "000000")
    assert wrong.value.code == "otp_wrong"
    assert soft.registration.current(USER) == reg  # the registration did not move
    with pytest.raises(StateError) as early:
        soft.registration.approve(reg.registration_id, officer="x")  # type: ignore[union-attr]
    assert early.value.code == "wrong_step"
