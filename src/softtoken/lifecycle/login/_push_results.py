"""What "Login by Soft Token" gives the portal: the challenge to show, the completed
login, the device's answer; and the "not me" email."""

from __future__ import annotations

from datetime import datetime

import attrs

from softtoken.accounts._account import Account
from softtoken.mail._templates import EmailTemplate, register_template
from softtoken.protocol._pictures import Picture

__all__ = ["ChallengeAnswer", "SoftTokenChallenge", "SoftTokenLogin"]

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
