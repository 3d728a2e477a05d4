"""What "Login by Soft Token" gives the portal: the challenge to show, the completed
login, the device's answer; and the "not me" email."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from softtoken.accounts._account import Account
from softtoken.lifecycle.renewal.machine import CertificateNotice, certificate_notice, days_left
from softtoken.mail._templates import EmailTemplate, register_template
from softtoken.protocol._messages import PROTOCOL_VERSION
from softtoken.protocol._pictures import Picture

if TYPE_CHECKING:
    from softtoken.ca._records import CertificateRecord
    from softtoken.lifecycle.login.challenges import LoginChallenge
    from softtoken.policy import Policy

__all__ = [
    "ChallengeAnswer",
    "SoftTokenChallenge",
    "SoftTokenLogin",
    "for_device",
    "login_result",
]

register_template(
    "login_declined",
    EmailTemplate(
        subject_th="$portal: มีการปฏิเสธการเข้าสู่ระบบด้วย Soft Token",
        subject_en="$portal: a soft token login was declined",
        body_th="เรียน $name\n\nมีผู้พยายามเข้าสู่ระบบด้วยบัญชี $user_id เมื่อ $when (UTC) "
        "และท่านได้กดปฏิเสธ (ไม่ใช่ฉัน) ในแอปพลิเคชัน หากท่านไม่ได้เป็นผู้เข้าสู่ระบบ "
        "กรุณาเปลี่ยนรหัสผ่านทันทีและติดต่อกรมบัญชีกลาง",
        body_en="Dear $name,\n\nSomeone tried to log in to account $user_id at $when (UTC) and "
        "you declined it (not me) in the app. If it was not you, change your password now "
        "and contact the Comptroller General's Department.",
    ),
)


@attrs.frozen(kw_only=True)
class SoftTokenChallenge:
    """What the computer shows while the phone is asked: the picture, and in ``enter``
    mode the code to type on the phone."""

    challenge_id: str
    mode: str
    picture: Picture
    code: str | None = attrs.field(repr=False)
    expires_at: datetime


@attrs.frozen(kw_only=True)
class SoftTokenLogin:
    """A completed soft token login. When ``password_change_required`` the portal shows
    "please change password" before anything else (manual chapter 3)."""

    account: Account
    certificate_serial: str
    password_change_required: bool
    #: Whole days until the certificate expires; the renewal notice shows from
    #: ``policy.renewal_notice_days`` down (manual chapter 6).
    certificate_days_left: int
    renewal_notice: bool


@attrs.frozen(kw_only=True)
class ChallengeAnswer:
    challenge_id: str
    decision: str


def login_result(
    account: Account, record: CertificateRecord, now: datetime, policy: Policy
) -> SoftTokenLogin:
    """What a completed login returns (certificate days left, the renewal notice)."""
    return SoftTokenLogin(
        account=account,
        certificate_serial=record.serial,
        password_change_required=account.must_change_password,
        certificate_days_left=days_left(record.not_after, now),
        renewal_notice=certificate_notice(record.not_after, now, policy)
        is CertificateNotice.NOTICE,
    )


def for_device(challenge: LoginChallenge, portal_name: str) -> dict[str, Any]:
    """A pending challenge as the app's poll (or a push notification) shows it."""
    return {
        "v": PROTOCOL_VERSION,
        "type": "login",
        "cid": challenge.challenge_id,
        "nonce": challenge.nonce,
        "mode": challenge.mode,
        "user_id": challenge.user_id,
        "portal": portal_name,
        "exp": int(challenge.expires_at.timestamp()),
        "pictures": list(challenge.choices),
    }
