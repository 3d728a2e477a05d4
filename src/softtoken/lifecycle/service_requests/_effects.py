"""What an approved service request does (manual chapter 7, outcomes 1 to 7), inside the
approval's own unit of work, and the emails that tell the requester.

=================================  ===========================  =========================
purpose (part 3)                   effect                       result emailed to
=================================  ===========================  =========================
forgot PIN / app locked (1)        revoke: superseded (4)       the registered email
app or certificate deleted (2)     revoke: superseded (4)       the registered email
app unusable, other                revoke: superseded (4)       the registered email
change phone (3)                   revoke: superseded (4)       the registered email
lost phone (4)                     revoke: keyCompromise (1)    the registered email
change the registered email (5)    revoke: superseded (4),      the email the form came
                                   the email and its binding    from (the old address
                                   to the citizen ID move       gets a notice)
existing holder, other             revoke: affiliationChanged   the registered email
change holder: resigned (6)        revoke: cessationOf-         the email named for the
                                   Operation (5), new holder    new password, else the
change holder: transferred (7)     revoke: affiliationChanged   requester's (part 2)
or other                           (3), new holder
=================================  ===========================  =========================

In every case the account goes back to password login and must register the soft token
again (chapter 2). The first five need an active soft token (``soft_token_not_active``
otherwise); the others revoke one if there is one. A new holder's password is random,
never chosen by the officer (ASVS 6.4.6), must be changed at first use and expires
(``policy.temporary_password_lifetime``, ASVS 6.4.1); only its hash is kept and the email
body is erased from the outbox once sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import LoginType, apply_new_password
from softtoken.accounts._identifiers import UserId, mask_email
from softtoken.accounts._passwords import generate_password
from softtoken.ca._revocation import RevocationReason
from softtoken.errors import Conflict, StateError
from softtoken.lifecycle.bindings import BindingTable
from softtoken.lifecycle.registration import steps as registration_steps
from softtoken.lifecycle.registration.store import EmailBindings, Registrations
from softtoken.lifecycle.revocation import end_soft_token
from softtoken.lifecycle.service_requests._form import ServiceRequestForm
from softtoken.lifecycle.service_requests._mail import TEMPLATES
from softtoken.lifecycle.service_requests._purposes import Purpose, PurposeGroup
from softtoken.lifecycle.service_requests.machine import Effects, ServiceRequest

if TYPE_CHECKING:
    from softtoken.accounts._account import Account
    from softtoken.accounts._identifiers import Email
    from softtoken.ca._service import CaService
    from softtoken.storage._unit_of_work import StorageUnitOfWork

__all__ = [
    "NEEDS_SOFT_TOKEN",
    "REVOCATION_REASONS",
    "TEMPLATES",
    "carry_out",
    "result_address",
    "send_rejection",
]

P, R = Purpose, RevocationReason

#: The RFC 5280 reason of each purpose (standards.md; "other" boxes take their group's).
REVOCATION_REASONS: dict[Purpose, RevocationReason] = {
    P.FORGOT_PIN: R.FORGOT_PIN,
    P.APP_DELETED: R.APP_DELETED,
    P.APP_OTHER: R.APP_DELETED,
    P.CHANGE_PHONE: R.NEW_PHONE,
    P.LOST_PHONE: R.LOST_PHONE,
    P.CHANGE_EMAIL: R.EMAIL_CHANGED,
    P.HOLDER_OTHER: R.OWN_DATA_CHANGED,
    P.HOLDER_RESIGNED: R.HOLDER_RESIGNED,
    P.HOLDER_TRANSFERRED: R.HOLDER_TRANSFERRED,
    P.HOLDER_CHANGE_OTHER: R.HOLDER_TRANSFERRED,
}

#: Purposes about the soft token itself: approving them needs one to revoke.
NEEDS_SOFT_TOKEN = frozenset(
    {P.FORGOT_PIN, P.APP_DELETED, P.APP_OTHER, P.CHANGE_PHONE, P.LOST_PHONE}
)


def result_address(form: ServiceRequestForm) -> Email:
    """Where the result goes (manual chapter 7, outcomes 1 to 7)."""
    if form.purpose is P.CHANGE_EMAIL:
        return form.sent_from
    if form.purpose.group is PurposeGroup.CHANGE_OF_HOLDER:
        return form.new_password_email or form.email
    return form.email  # the registered email (checked against the account at submission)


def carry_out(
    ctx: ServiceContext,
    ca: CaService,
    uow: StorageUnitOfWork,
    request: ServiceRequest,
    *,
    actor: str,
) -> Effects:
    """Apply the purpose's outcome and queue the result email. Returns what was done.

    Raises:
        StateError: ``soft_token_not_active`` (a purpose about the soft token, none active).
        Conflict: ``email_taken`` (the new email belongs to another citizen ID).
        NotFound: ``account_not_found``.
    """
    form = request.form
    uid = form.user_id
    reason = REVOCATION_REASONS[form.purpose]
    binding = uow.repository(BindingTable).active_for(uid.value)
    if binding is None and form.purpose in NEEDS_SOFT_TOKEN:
        raise StateError("soft_token_not_active")
    effects = Effects()
    _close_open_registration(ctx, uow, uid, actor=actor)
    if binding is not None:
        serials = end_soft_token(ctx, ca, uow, binding, reason=reason, actor=actor)
        effects = Effects(
            revoked_serials=serials, revocation_reason=reason.value, crl_reason=reason.rfc5280_code
        )
    now = ctx.clock.now()
    account = uow.accounts.get(uid)
    # Every outcome ends with "register the soft token again" (chapter 2).
    account = attrs.evolve(
        account, login_type=LoginType.PASSWORD, registration_completed=False, updated_at=now
    )
    password: str | None = None
    if form.purpose is P.CHANGE_EMAIL:
        account, effects = _change_email(ctx, uow, request, account, effects)
    elif form.purpose.group is PurposeGroup.CHANGE_OF_HOLDER:
        account, effects, password = _change_holder(ctx, uow, request, account, effects)
    uow.accounts.update(account)
    _send_result(ctx, uow, request, effects, password=password)
    return effects


def _close_open_registration(
    ctx: ServiceContext, uow: StorageUnitOfWork, uid: UserId, *, actor: str
) -> None:
    """Every outcome sends the person back to register; a registration still open
    (even approved, not yet activated) was made for the old situation and is cancelled."""
    registrations = uow.repository(Registrations)
    open_registration = registrations.open_for(uid)
    if open_registration is None:
        return
    cancelled, _events = registration_steps.cancel(open_registration, now=ctx.clock.now())
    registrations.update(cancelled)
    ctx.audit(uow, actor=actor, action="registration.cancel", subject=uid.value,
              registration_id=cancelled.registration_id, reason="service_request")  # fmt: skip


def _change_email(
    ctx: ServiceContext,
    uow: StorageUnitOfWork,
    request: ServiceRequest,
    account: Account,
    effects: Effects,
) -> tuple[Account, Effects]:
    """Move the account's email, and its binding to the citizen ID, to the new address."""
    new = request.form.new_email
    assert new is not None  # noqa: S101 - the form requires it for this purpose
    old = account.email
    bindings = uow.repository(EmailBindings)
    if account.citizen_id is None:
        if bindings.find_by_key(new.value) is not None:
            raise Conflict("email_taken")
    else:
        bindings.check_free(new, account.citizen_id)
        held = None if old is None else bindings.find_by_key(old.value)
        if held is not None and held.citizen_id == account.citizen_id:
            uow.transaction.delete(EmailBindings.table, [("email", "=", held.email.value)])
        bindings.bind(
            new, account.citizen_id, registration_id=request.request_id, now=ctx.clock.now()
        )
    if old is not None and old != new:
        ctx.email(
            uow,
            "service_request_email_changed",
            old.value,
            {
                "name": account.full_name,
                "user_id": account.user_id.value,
                "masked": mask_email(new.value),
                "reference": request.request_id,
            },
        )
    return attrs.evolve(account, email=new), attrs.evolve(effects, email_changed_to=new.value)


def _change_holder(
    ctx: ServiceContext,
    uow: StorageUnitOfWork,
    request: ServiceRequest,
    account: Account,
    effects: Effects,
) -> tuple[Account, Effects, str | None]:
    """The requester (part 2) becomes the account's holder; the old holder's citizen ID
    goes, so the new holder proves their own at registration."""
    form, now, policy = request.form, ctx.clock.now(), ctx.policy
    email = form.new_password_email or form.email
    _tell_previous_holder(ctx, uow, request, account, new_address=email)
    account = attrs.evolve(
        account, first_name=form.first_name, last_name=form.last_name, citizen_id=None, email=email
    )
    effects = attrs.evolve(effects, holder_changed_to=form.requester_name)
    if not form.new_password:
        return account, effects, None
    password = generate_password(policy, context=account.context_words(ctx.portal_name))
    account = apply_new_password(
        account,
        ctx.hasher.hash(password),
        now=now,
        must_change=True,
        expires_at=now + policy.temporary_password_lifetime,
    )
    ctx.audit(
        uow,
        actor=request.decided_by or "system",
        action="password.issue_temporary",
        subject=account.user_id.value,
        request_id=request.request_id,
    )
    return account, attrs.evolve(effects, temporary_password_sent_to=email.value), password


def _tell_previous_holder(
    ctx: ServiceContext,
    uow: StorageUnitOfWork,
    request: ServiceRequest,
    account: Account,
    *,
    new_address: Email,
) -> None:
    """The previous holder hears of the change at the address on file, whether or not a
    soft token was revoked (its revocation notice was the only mail before: issue 12,
    L6), unless that address is where the result goes anyway."""
    old = account.email
    if old is None or old == new_address:
        return
    ctx.email(
        uow,
        "service_request_holder_changed",
        old.value,
        {
            "name": account.full_name,
            "user_id": account.user_id.value,
            "new_holder": request.form.requester_name,
            "reference": request.request_id,
        },
    )


def _result_text(form: ServiceRequestForm, effects: Effects) -> tuple[str, str]:
    again_th = "กรุณาเข้าสู่ระบบด้วยรหัสผู้ใช้งานและรหัสผ่าน แล้วลงทะเบียน Soft Token ใหม่ (บทที่ 2 ของคู่มือ)"
    again_en = "Log in with the user ID and password and register a soft token again."
    parts_th, parts_en = [], []
    if effects.revoked_serials:
        parts_th.append("Soft Token เดิมถูกยกเลิกแล้ว")
        parts_en.append("The old soft token was revoked.")
    if effects.email_changed_to:
        parts_th.append(f"อีเมลที่ลงทะเบียนเปลี่ยนเป็น {effects.email_changed_to} แล้ว")
        parts_en.append(f"The registered email is now {effects.email_changed_to}.")
    if effects.holder_changed_to:
        parts_th.append(f"ผู้ถือบัญชีเปลี่ยนเป็น {effects.holder_changed_to} แล้ว")
        parts_en.append(f"The account's holder is now {effects.holder_changed_to}.")
    if form.purpose.group is PurposeGroup.CHANGE_OF_HOLDER and not form.new_password:
        parts_th.append("ใช้รหัสผ่านเดิมของบัญชีในการเข้าสู่ระบบ")
        parts_en.append("Log in with the account's current password.")
    return " ".join([*parts_th, again_th]), " ".join([*parts_en, again_en])


def _send_result(
    ctx: ServiceContext,
    uow: StorageUnitOfWork,
    request: ServiceRequest,
    effects: Effects,
    *,
    password: str | None,
) -> None:
    form = request.form
    result_th, result_en = _result_text(form, effects)
    params = {
        "name": form.requester_name,
        "user_id": form.user_id.value,
        "purpose_th": form.purpose.label("th"),
        "purpose_en": form.purpose.label("en"),
        "result_th": result_th,
        "result_en": result_en,
        "reference": request.request_id,
        "when": ctx.clock.now().strftime("%Y-%m-%d %H:%M"),
    }
    to = result_address(form).value
    if password is None:
        ctx.email(uow, "service_request_done", to, params)
        return
    expires = ctx.clock.now() + ctx.policy.temporary_password_lifetime
    ctx.email(
        uow,
        "service_request_new_holder_password",
        to,
        {**params, "password": password, "expires": expires.strftime("%Y-%m-%d %H:%M")},
    )


def send_rejection(ctx: ServiceContext, uow: StorageUnitOfWork, request: ServiceRequest) -> str:
    """Queue the rejection, with its reason, to where the result would have gone."""
    form = request.form
    to = result_address(form).value
    ctx.email(
        uow,
        "service_request_rejected",
        to,
        {
            "name": form.requester_name,
            "user_id": form.user_id.value,
            "purpose_th": form.purpose.label("th"),
            "purpose_en": form.purpose.label("en"),
            "reason": request.rejection_reason or "-",
            "reference": request.request_id,
        },
    )
    return to
