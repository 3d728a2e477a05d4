"""Issue 13 item 7, the small gaps a new portal developer hit: the activation QR code
drawn by the start itself, the library logger's NullHandler, resending a reset code by
user ID, the masked email at the reset's confirm and the renewal_required message."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from softtoken import AuthenticationError, RateLimited, StateError
from softtoken.errors import MESSAGES
from softtoken.testing import Harness, approve_registration, in_memory

from ...helpers.otp import (
    CITIZEN,
    EMAIL,
    OTHER_CITIZEN,
    USER,
    code_in,
    last_mail_text,
    registered,
    wrong_code,
)
from ...helpers.qr import decode_png, matrix_to_png, svg_to_matrix


def test_g2_activation_start_draws_its_own_qr_code() -> None:
    harness = in_memory()
    approve_registration(harness)
    start = harness.softtoken.activation.begin("T05005000000201")
    assert decode_png(start.qr_png()) == [start.qr_payload]
    assert decode_png(matrix_to_png(svg_to_matrix(start.qr_svg()))) == [start.qr_payload]


def test_g3_the_softtoken_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("softtoken").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_g4_a_reset_code_is_resent_by_user_id(harness: Harness) -> None:
    registered(harness)
    reset = harness.softtoken.password_reset
    with pytest.raises(StateError) as none_pending:
        reset.resend(USER)
    assert none_pending.value.code == "reset_not_pending"
    first = reset.request(USER, CITIZEN, EMAIL)
    old = code_in(last_mail_text(harness))
    with pytest.raises(RateLimited) as too_soon:
        reset.resend(USER)
    assert too_soon.value.code == "otp_resend_too_soon"
    harness.clock.advance(timedelta(seconds=90))
    again = reset.resend(USER)
    assert again.sent_to == first.sent_to
    assert again.resend_after > first.resend_after
    new = code_in(last_mail_text(harness))
    if new != old:  # the old code stopped working when the new one was issued
        with pytest.raises(AuthenticationError) as dead:
            reset.confirm(USER, old)
        assert dead.value.code == "otp_wrong"
    done = reset.confirm(USER, new)
    assert done.user_id == USER
    with pytest.raises(StateError):  # the code was used: nothing pending any more
        reset.resend(USER)


def test_g4_a_resend_waits_out_the_locks(harness: Harness) -> None:
    registered(harness)
    reset = harness.softtoken.password_reset
    reset.request(USER, CITIZEN, EMAIL)
    code = code_in(last_mail_text(harness))
    for _ in range(5):
        with pytest.raises((AuthenticationError, RateLimited)):
            reset.confirm(USER, wrong_code(code))
    harness.clock.advance(timedelta(seconds=90))
    sent = len(harness.mailbox.messages)
    with pytest.raises(RateLimited) as locked:  # a new code must not lift the code's lock
        reset.resend(USER)
    assert (locked.value.code, locked.value.retry_after) == ("otp_locked", 210)
    harness.deliver_mail()
    assert len(harness.mailbox.messages) == sent  # nothing sent, nothing changed
    harness.clock.advance(timedelta(seconds=210))
    fresh = reset.resend(USER)
    assert fresh.user_id == USER
    done = reset.confirm(USER, code_in(last_mail_text(harness)))
    assert done.user_id == USER


def test_g4_a_locked_form_refuses_the_resend(harness: Harness) -> None:
    registered(harness)
    reset = harness.softtoken.password_reset
    reset.request(USER, CITIZEN, EMAIL)
    harness.clock.advance(timedelta(seconds=90))
    for _ in range(5):
        with pytest.raises((AuthenticationError, RateLimited)):
            reset.request(USER, OTHER_CITIZEN, EMAIL)
    with pytest.raises(RateLimited) as locked:
        reset.resend(USER)
    assert (locked.value.code, locked.value.retry_after) == ("reset_locked", 300)


def test_g5_the_reset_confirm_masks_the_email(harness: Harness) -> None:
    registered(harness)
    reset = harness.softtoken.password_reset
    requested = reset.request(USER, CITIZEN, EMAIL)
    done = reset.confirm(USER, code_in(last_mail_text(harness)))
    assert done.sent_to == requested.sent_to
    assert EMAIL not in done.sent_to


def test_g6_renewal_required_says_what_happens_now() -> None:
    # Sign-in stops only once the certificate has expired; the renewal is already begun
    # after the password step: the app shows "Update Profile", then sign in again.
    thai, english = MESSAGES["renewal_required"]
    assert "Update Profile" in english
    assert "sign in again" in english
    assert "Update Profile" in thai
