"""Password login (manual chapter 3, the password part) and the forced password change.

Theory of operation::

    password(user_id, password)
        wrong ........................ AuthenticationError, counted (5 -> 5 min, 100 -> disabled)
        right, must change ........... PasswordLogin(next_step=CHANGE_PASSWORD): no login yet
        right ........................ PasswordLogin(next_step=AUTHENTICATED)
    change_password(user_id, current, new, confirm)
        ok ........................... PasswordChanged: "please log in again"

A password that must be changed (an initial password, a reset password, the first soft
token login) logs in only to change itself: the result says ``CHANGE_PASSWORD`` and
``authenticated`` is false until :meth:`LoginService.change_password` succeeds and the
person logs in again with the new password. Every attempt is in the audit log.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import Account
from softtoken.errors import Language
from softtoken.lifecycle.login._accounts import AccountService

__all__ = ["LoginService", "LoginStep", "PasswordChanged", "PasswordLogin", "password_rules"]


class LoginStep(enum.StrEnum):
    AUTHENTICATED = "authenticated"
    CHANGE_PASSWORD = "change_password"  # noqa: S105 - a step name, not a password


@attrs.frozen(kw_only=True)
class PasswordLogin:
    """The password was right. ``next_step`` says whether the login is complete."""

    account: Account
    next_step: LoginStep
    #: Why a change is demanded: ``temporary_password`` (initial or reset password,
    #: which also expires) or ``first_login``; None when the login is complete.
    change_reason: str | None = None

    @property
    def user_id(self) -> str:
        return self.account.user_id.value

    @property
    def authenticated(self) -> bool:
        return self.next_step is LoginStep.AUTHENTICATED


_LOG_IN_AGAIN = ("กรุณาเข้าสู่ระบบอีกครั้ง", "Please log in again.")


@attrs.frozen(kw_only=True)
class PasswordChanged:
    """The change was saved; the person logs in again with the new password."""

    user_id: str
    changed_at: datetime

    def message(self, lang: Language = "th") -> str:
        return _LOG_IN_AGAIN[0] if lang == "th" else _LOG_IN_AGAIN[1]


def password_rules(context: ServiceContext, lang: Language = "th") -> list[str]:
    """The rules to show beside the new-password field, from the policy's numbers."""
    p = context.policy
    th, en = [], []
    th.append(f"ยาวอย่างน้อย {p.password_min_length} ตัวอักษร และไม่เกิน {p.password_max_length}")
    en.append(f"At least {p.password_min_length} and at most {p.password_max_length} characters")
    if p.password_check_blocklist:
        th.append("ต้องไม่เป็นรหัสผ่านที่ใช้กันทั่วไป")
        en.append("Not a commonly used password")
    if p.password_check_context_words:
        th.append("ต้องไม่มีรหัสผู้ใช้งาน เลขประจำตัวประชาชน ชื่อ นามสกุล หรือชื่อระบบ")
        en.append("Must not contain your user ID, citizen ID, names or the portal's name")
    if p.password_min_character_kinds:
        th.append(
            f"มีอักขระอย่างน้อย {p.password_min_character_kinds} ประเภท "
            "(ตัวพิมพ์เล็ก ตัวพิมพ์ใหญ่ ตัวเลข สัญลักษณ์)"
        )
        en.append(
            f"At least {p.password_min_character_kinds} kinds of characters "
            "(lower case, upper case, digits, symbols)"
        )
    th.append("ต้องไม่ซ้ำกับรหัสผ่านเดิม")
    en.append("Different from the current password")
    return th if lang == "th" else en


class LoginService:
    """``soft.login``: the password step of a login and the forced change."""

    def __init__(self, context: ServiceContext, accounts: AccountService | None = None) -> None:
        self._ctx = context
        self._accounts = accounts or AccountService(context)

    def password(self, user_id: object, password: object) -> PasswordLogin:
        """Check user ID and password (the first step of "Login by Soft Token").

        Raises:
            ValidationError: the user ID or password is malformed.
            AuthenticationError: ``invalid_credentials`` (never says which was wrong),
                ``password_expired`` (an initial or reset password past its lifetime).
            RateLimited: ``login_locked`` with ``retry_after``.
            StateError: ``account_disabled``, ``password_not_set``.
        """
        check = self._accounts.verify_password(user_id, password)
        account = check.account
        if not check.password_change_required:
            return PasswordLogin(account=account, next_step=LoginStep.AUTHENTICATED)
        reason = "temporary_password" if account.password_expires_at else "first_login"
        return PasswordLogin(
            account=account, next_step=LoginStep.CHANGE_PASSWORD, change_reason=reason
        )

    def change_password(
        self,
        user_id: object,
        *,
        current_password: object,
        new_password: object,
        confirm_password: object,
    ) -> PasswordChanged:
        """The "please change password" screen: current, new and confirmation.

        Raises:
            AuthenticationError: ``wrong_password`` (counted), ``password_expired``.
            PasswordRejected: on ``new_password``; ``messages(lang)`` lists each rule.
            ValidationError: ``password_confirmation_mismatch`` on ``confirm_password``.
            RateLimited: ``login_locked``. StateError: ``account_disabled``.
        """
        account = self._accounts.change_password(
            user_id,
            current_password=current_password,
            new_password=new_password,
            confirm_password=confirm_password,
        )
        return PasswordChanged(user_id=account.user_id.value, changed_at=account.updated_at)

    def password_rules(self, lang: Language = "th") -> list[str]:
        return password_rules(self._ctx, lang)
