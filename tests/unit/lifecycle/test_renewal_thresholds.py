"""Manual chapter 6: the notice shows when 1 to 30 days remain, and login is forced into
renewal only once the certificate has expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from softtoken import Policy, StateError
from softtoken.lifecycle.renewal.machine import CertificateNotice, certificate_notice, days_left
from softtoken.testing import Person, in_memory, soft_token_user

END = datetime(2028, 1, 5, 2, 0, tzinfo=UTC)
POLICY = Policy.for_tests()


def test_renewal_notice_shows_only_when_at_most_30_days_remain() -> None:
    # Finding: days were rounded down, so the notice began with 30 days 23 hours left.
    almost_31 = END - timedelta(days=30, hours=23)
    assert certificate_notice(END, almost_31, POLICY) is CertificateNotice.NONE
    assert days_left(END, almost_31) == 31
    thirty = END - timedelta(days=30)
    assert certificate_notice(END, thirty, POLICY) is CertificateNotice.NOTICE
    assert days_left(END, thirty) == 30
    assert certificate_notice(END, END - timedelta(days=30, seconds=1), POLICY) is (
        CertificateNotice.NONE
    )


def test_login_is_refused_for_renewal_only_once_expired() -> None:
    # Finding: less than a day left already refused the login ("renewal_required").
    for left in (timedelta(hours=23), timedelta(seconds=1), timedelta(0)):
        assert certificate_notice(END, END - left, POLICY) is CertificateNotice.NOTICE, left
        assert days_left(END, END - left) == (1 if left else 0)
    assert certificate_notice(END, END + timedelta(microseconds=1), POLICY) is (
        CertificateNotice.EXPIRED
    )


def test_a_login_with_hours_left_goes_on_with_the_notice() -> None:
    harness = in_memory()
    phone = soft_token_user(harness)
    soft, who = harness.softtoken, Person()
    end = soft.ca.get(phone.certificate_serial).not_after
    harness.clock.set(end - timedelta(hours=5))
    challenge = soft.push_login.begin(who.user_id, who.password)
    [item] = soft.push_login.pending_for_device(phone.certificate_serial)
    soft.push_login.respond(phone.approve(item, answer=challenge.code, pin=who.pin))
    login = soft.push_login.check(challenge.challenge_id, user_id=who.user_id)
    assert login.renewal_notice
    assert login.certificate_days_left == 1
    harness.clock.set(end + timedelta(seconds=1))
    with pytest.raises(StateError) as expired:
        soft.push_login.begin(who.user_id, who.password)
    assert expired.value.code == "soft_token_expired"
