"""Service requests on every storage adapter: the record and its signed PDF round trip,
the queue and the overdue list, refused forms that store nothing, and officers racing to
approve one request (PostgreSQL among the adapters): its effects happen once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from softtoken import NotFound, Policy, SoftTokenError, ValidationError
from softtoken.lifecycle.service_requests._form import ServiceRequestFormInvalid
from softtoken.ports import Storage
from softtoken.testing import Harness, Person, in_memory, sample_pdf, soft_token_user

from ..helpers.concurrency import race
from ..helpers.service_requests import RECORDER, REVIEWER, form_for, signed_pdf
from ..helpers.storage import snapshot

SOMCHAI = Person()


@pytest.fixture
def user(storage: Storage) -> Harness:
    harness = in_memory(
        storage=storage, policy=Policy.for_tests(service_request_form_max_bytes=4096)
    )
    soft_token_user(harness, SOMCHAI)
    return harness


def test_a_request_round_trips_with_its_signed_pdf(user: Harness) -> None:
    requests = user.softtoken.service_requests
    pdf = signed_pdf()
    form = form_for(SOMCHAI, "change_email", new_email="new@cgd.example.go.th")
    made = requests.submit(form, signed_form=pdf, officer=RECORDER)
    assert made.version == 1
    assert made.recorded_by == f"officer:{RECORDER}"
    assert requests.get(made.request_id) == made
    assert requests.signed_form(made.request_id) == pdf
    taken = requests.take(made.request_id, officer=REVIEWER, note="called the requester")
    assert requests.get(made.request_id) == taken
    done = requests.approve(made.request_id, officer=REVIEWER)
    assert requests.get(made.request_id) == done
    assert done.note == "called the requester"
    assert done.effects.email_changed_to == "new@cgd.example.go.th"
    assert requests.list(user_id=SOMCHAI.user_id) == [done]
    assert requests.list(state="notified") == [done]
    assert requests.list(state="submitted") == []
    with pytest.raises(ValidationError):
        requests.list(state="lost")
    with pytest.raises(NotFound) as missing:
        requests.get("0" * 32)
    assert missing.value.code == "service_request_not_found"


def test_the_queue_is_oldest_first_and_overdue_after_the_promised_hour(user: Harness) -> None:
    soft, clock = user.softtoken, user.clock
    requests = soft.service_requests
    first = requests.submit(form_for(SOMCHAI, "change_phone"), signed_form=signed_pdf())
    clock.advance(timedelta(minutes=30))
    second = requests.submit(form_for(SOMCHAI, "forgot_pin"), signed_form=signed_pdf())
    assert first.recorded_by == f"user:{SOMCHAI.user_id}"
    assert [r.request_id for r in requests.pending()] == [first.request_id, second.request_id]
    assert requests.overdue() == []
    clock.advance(timedelta(minutes=30))  # the first is exactly one hour old: not yet late
    assert requests.overdue() == []
    clock.advance(timedelta(seconds=1))
    assert [r.request_id for r in requests.overdue()] == [first.request_id]
    assert first.age(clock.now()) == timedelta(hours=1, seconds=1)
    requests.take(first.request_id, officer=REVIEWER)
    assert [r.request_id for r in requests.overdue()] == [first.request_id]
    requests.reject(first.request_id, officer=REVIEWER, reason="send it again, signed")
    assert [r.request_id for r in requests.pending()] == [second.request_id]
    clock.advance(timedelta(minutes=31))
    assert [r.request_id for r in requests.overdue()] == [second.request_id]
    user.deliver_mail()
    rejected = user.mailbox.last(SOMCHAI.email, "service_request_rejected")
    assert "send it again, signed" in rejected.text
    received = user.mailbox.last(SOMCHAI.email, "service_request_received")
    assert second.request_id in received.text


BAD_FORMS: list[tuple[str, dict[str, object], object, str, str]] = [
    ("unit code digits", {"unit_code": "123456789"}, None, "unit_code",
     "invalid_disbursement_unit"),
    ("mobile digits", {"mobile": "08123"}, None, "mobile", "invalid_phone"),
    ("user ID length", {"user_id": "T0500500000020"}, None, "user_id", "invalid_user_id"),
    ("unknown purpose", {"purpose": "unlock_everything"}, None, "purpose",
     "service_request_purpose_unknown"),
    ("no purpose", {"purpose": []}, None, "purpose", "service_request_purpose_required"),
    ("password email, no holder change", {"new_password_email": "x@example.go.th"}, None,
     "new_password_email", "service_request_new_password_email_unexpected"),
    ("no signed form", {}, "missing", "signed_form", "service_request_signed_form_required"),
    ("not a PDF", {}, b"%PDF-1.7 but really a text file", "signed_form", "document_not_pdf"),
    ("a PNG named .pdf", {}, b"\x89PNG\r\n\x1a\n" + b"0" * 64, "signed_form", "document_not_pdf"),
    ("empty file", {}, b"", "signed_form", "document_empty"),
    ("too large", {}, sample_pdf(size=4097), "signed_form", "document_too_large"),
    ("not the registered email", {"email": "someone.else@example.go.th"}, None, "email",
     "service_request_email_mismatch"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "pdf", "field", "code"),
    [case[1:] for case in BAD_FORMS],
    ids=[case[0] for case in BAD_FORMS],
)
def test_refused_forms_store_nothing(
    user: Harness, changes: dict[str, object], pdf: object, field: str, code: str
) -> None:
    before = snapshot(user)
    signed = None if pdf == "missing" else (signed_pdf() if pdf is None else pdf)
    with pytest.raises(ServiceRequestFormInvalid) as caught:
        user.softtoken.service_requests.submit(
            form_for(SOMCHAI, **{"purpose": "lost_phone", **changes}),  # type: ignore[arg-type]
            signed_form=signed,
            officer=RECORDER,
        )
    assert {e.field: e.code for e in caught.value.errors}[field] == code
    assert snapshot(user) == before


def test_unknown_accounts_and_officers_store_nothing(user: Harness) -> None:
    requests = user.softtoken.service_requests
    before = snapshot(user)
    stranger = Person(user_id="T09999000000001")
    with pytest.raises(NotFound) as missing:
        requests.submit(form_for(stranger, "lost_phone"), signed_form=signed_pdf())
    assert missing.value.code == "account_not_found"
    for officer in ("", "two words", "x" * 57, 7):
        with pytest.raises(ValidationError) as bad:
            requests.submit(form_for(SOMCHAI, "lost_phone"), signed_form=signed_pdf(),
                            officer=officer)  # type: ignore[arg-type]  # fmt: skip
        assert (bad.value.field, bad.value.code) == ("officer", "officer_required")
    assert snapshot(user) == before


def test_an_approval_that_cannot_be_carried_out_changes_nothing(user: Harness) -> None:
    soft = user.softtoken
    requests = soft.service_requests
    first = requests.submit(form_for(SOMCHAI, "lost_phone"), signed_form=signed_pdf(),
                            officer=RECORDER)  # fmt: skip
    second = requests.submit(form_for(SOMCHAI, "change_phone"), signed_form=signed_pdf(),
                             officer=RECORDER)  # fmt: skip
    for request in (first, second):
        requests.take(request.request_id, officer=REVIEWER)
    requests.approve(first.request_id, officer=REVIEWER)
    before = snapshot(user)
    with pytest.raises(SoftTokenError) as caught:
        requests.approve(second.request_id, officer=REVIEWER)
    assert caught.value.code == "soft_token_not_active"
    assert snapshot(user) == before
    assert requests.get(second.request_id).state.value == "in_review"


@pytest.mark.parametrize(
    ("purpose", "extra"),
    [
        ("lost_phone", {}),
        ("holder_resigned", {"new_password": "yes", "new_password_email": "n@cgd.example.go.th"}),
    ],
)
def test_officers_approving_at_once_apply_the_effects_once(
    user: Harness, purpose: str, extra: dict[str, object]
) -> None:
    soft = user.softtoken
    requests = soft.service_requests
    request = requests.submit(form_for(SOMCHAI, purpose, **extra), signed_form=signed_pdf(),
                              officer=RECORDER)  # fmt: skip
    requests.take(request.request_id, officer=REVIEWER)
    officers = [REVIEWER, "reviewer.c", "reviewer.d"]
    outcomes = race(
        [lambda o=o: requests.approve(request.request_id, officer=o) for o in officers]  # type: ignore[misc]
    )
    winners = [o for o in outcomes if not isinstance(o, str)]
    assert len(winners) == 1
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["service_request_closed"] * 2
    actions = [r["action"] for r in soft.audit.export()]
    assert actions.count("service_request.approve") == 1
    assert actions.count("service_request.apply") == 1
    assert actions.count("certificate.revoke") == 1
    assert actions.count("password.issue_temporary") == (2 if extra else 1)  # + registration's
    user.deliver_mail()
    templates = [m.template for m in user.mailbox.messages]
    assert templates.count("soft_token_revoked") == 1
    result = "service_request_new_holder_password" if extra else "service_request_done"
    assert templates.count(result) == 1
    assert soft.audit.verify() == len(actions)
