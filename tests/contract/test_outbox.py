"""The mail outbox on every adapter: written in the same transaction as the change,
sealed at rest, delivered after commit exactly once, and kept through an outage of a
real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from softtoken import DeliveryError, SmtpSender
from softtoken.mail import EmailMessage, MemoryMailbox
from softtoken.testing import Harness, in_memory

from ..helpers.smtp import SmtpTestServer

USER = "T05005000000201"
EMAIL = "somchai@example.go.th"
NEW = "a long passphrase of mine"


def _change_password(harness: Harness) -> None:
    soft = harness.softtoken
    soft.accounts.create(user_id=USER, first_name="Somchai", last_name="Jaidee", email=EMAIL)
    temporary = soft.accounts.issue_temporary_password(USER)
    soft.accounts.change_password(
        USER, current_password=temporary, new_password=NEW, confirm_password=NEW
    )


def test_mail_waits_in_the_outbox_until_delivered(harness: Harness) -> None:
    _change_password(harness)
    assert harness.mailbox.messages == []
    pending = harness.softtoken.mail.pending()
    assert [m.template for m in pending] == ["password_changed"]
    assert harness.deliver_mail() == 1
    message = harness.mailbox.last(EMAIL)
    assert message.template == "password_changed"
    assert "รหัสผ่าน" in message.text
    assert "password of account" in message.text
    assert harness.deliver_mail() == 0
    assert len(harness.mailbox.messages) == 1


def test_bodies_are_sealed_at_rest_and_erased_after_sending(harness: Harness) -> None:
    _change_password(harness)
    tx = harness.softtoken.storage.begin()
    row = tx.select("st_outbox")[0]
    tx.rollback()
    sealed = row["sealed"]
    assert isinstance(sealed, bytes | memoryview)
    sealed = bytes(sealed)
    assert USER.encode() not in sealed
    assert b"password" not in sealed
    harness.deliver_mail()
    tx = harness.softtoken.storage.begin()
    row = tx.select("st_outbox")[0]
    tx.rollback()
    assert row["sealed"] is None
    assert row["sent_at"] is not None


def test_an_outage_keeps_messages_and_retries_with_backoff(harness: Harness) -> None:
    _change_password(harness)
    harness.mailbox.down = True
    report = harness.softtoken.mail.deliver_pending()
    assert (report.sent, report.failed) == (0, 1)
    [waiting] = harness.softtoken.mail.pending()
    assert waiting.attempts == 1
    assert waiting.last_error
    assert waiting.next_attempt_at is not None
    assert waiting.next_attempt_at >= harness.clock.now() + timedelta(seconds=30)
    harness.mailbox.down = False
    assert harness.deliver_mail() == 0  # not due yet
    harness.clock.advance(seconds=34)
    assert harness.deliver_mail() == 1
    assert len(harness.mailbox.messages) == 1


def test_a_message_is_abandoned_after_the_last_attempt(harness: Harness) -> None:
    _change_password(harness)
    harness.mailbox.down = True
    dispatcher = harness.softtoken.mail
    for _ in range(dispatcher.schedule.max_attempts - 1):
        assert dispatcher.deliver_pending().failed == 1
        harness.clock.advance(hours=2)
    assert dispatcher.deliver_pending().abandoned == 1
    harness.mailbox.down = False
    harness.clock.advance(hours=2)
    assert harness.deliver_mail() == 0


def test_a_claimed_message_is_not_sent_twice(harness: Harness) -> None:
    _change_password(harness)
    now = harness.clock.now()
    with harness.softtoken.unit_of_work() as uow:
        first = uow.outbox.claim_due(now=now, lease=timedelta(minutes=5), limit=10)
        uow.commit()
    with harness.softtoken.unit_of_work() as uow:
        second = uow.outbox.claim_due(now=now, lease=timedelta(minutes=5), limit=10)
        uow.commit()
    assert len(first) == 1
    assert second == []
    # The first dispatcher died: after the lease the message is due again, once.
    with harness.softtoken.unit_of_work() as uow:
        later = uow.outbox.claim_due(
            now=now + timedelta(minutes=6), lease=timedelta(minutes=5), limit=10
        )
        uow.commit()
    assert [m.id for m in later] == [first[0].id]


def test_delivery_through_a_real_smtp_server_survives_its_outage(
    smtp_server: SmtpTestServer,
) -> None:
    sender = SmtpSender(
        host=smtp_server.host,
        port=smtp_server.port,
        sender="softtoken@cgd.example.go.th",
        security="none",
        timeout=5,
    )
    harness = in_memory(email_sender=sender)
    smtp_server.stop()
    _change_password(harness)
    assert harness.softtoken.mail.deliver_pending().failed == 1
    assert len(harness.softtoken.mail.pending()) == 1
    smtp_server.start()
    harness.clock.advance(minutes=5)
    assert harness.softtoken.mail.deliver_pending().sent == 1
    assert harness.softtoken.mail.deliver_pending().sent == 0
    [received] = smtp_server.to(EMAIL)
    assert received["From"] == "softtoken@cgd.example.go.th"
    assert received["X-Softtoken-Template"] == "password_changed"
    assert "your password was changed" in str(received["Subject"])
    body = SmtpTestServer.body(received)
    assert USER in body
    assert "รหัสผ่าน" in body


def test_smtp_sender_raises_delivery_error_when_nobody_listens(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.stop()
    sender = SmtpSender(
        host=smtp_server.host,
        port=smtp_server.port,
        sender="a@b.example",
        security="none",
        timeout=2,
    )
    with pytest.raises(DeliveryError):
        sender.send(EmailMessage(to="x@example.com", subject="s", text="t", template="t"))


def test_memory_mailbox_lookup() -> None:
    box = MemoryMailbox()
    box.send(EmailMessage(to="x@example.com", subject="s", text="t", template="one"))
    assert box.last("x@example.com").template == "one"
    with pytest.raises(LookupError):
        box.last("x@example.com", "two")
