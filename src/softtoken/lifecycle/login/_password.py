"""Password login (manual chapter 3, the password part) and the forced password change.

Theory of operation::

    password(user_id, password)
        refused ...................... AuthenticationError login_failed, counted
                                       (5 -> 5 min, 100 -> disabled); the same for an
                                       unknown user ID, an account without a password
                                       and a disabled one; the reason is in the audit log
        right, soft token / token key  PasswordLogin(next_step=SECOND_FACTOR): the phone
                                       (soft.push_login) or the hardware key comes next;
                                       never authenticated by the password alone
        right, must change ........... PasswordLogin(next_step=CHANGE_PASSWORD): no login yet
        right ........................ PasswordLogin(next_step=AUTHENTICATED)
    change_password(user_id, current, new, confirm)
        ok ........................... PasswordChanged: "please log in again"

A password that must be changed (an initial password, a reset password, the first soft
token login) logs in only to change itself: ``authenticated`` is false until
:meth:`LoginService.change_password` succeeds and the person logs in again with the new
password. On an account with a second factor the change comes after that factor
(``password_change_required`` says it is due). Every attempt is in the audit log.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from softtoken._context import ServiceContext
from softtoken.accounts._account import Account, LoginType
from softtoken.errors import Language
from softtoken.lifecycle.login._accounts import AccountService

__all__ = ["LoginService", "LoginStep", "PasswordChanged", "PasswordLogin", "password_rules"]


class LoginStep(enum.StrEnum):
    AUTHENTICATED = "authenticated"
    CHANGE_PASSWORD = "change_password"  # noqa: S105 - a step name, not a password
    #: The password was right, and the account's second factor comes next: the soft
    #: token's push approval (``soft.push_login``) or the hardware GFMIS Token Key.
    SECOND_FACTOR = "second_factor"


@attrs.frozen(kw_only=True)
class PasswordLogin:
    """The password was right. ``next_step`` says what the portal does next; only
    ``AUTHENTICATED`` (a password-only account) means the person is logged in.

    Read :attr:`authenticated` (or ``next_step``), never the mere absence of an error:
    for a soft token or Token Key account the password is one factor of two.
    """

    account: Account
    next_step: LoginStep
    #: Why a change is demanded: ``temporary_password`` (initial or reset password,
    #: which also expires) or ``first_login``; None when no change is due.
    change_reason: str | None = None
    #: The factor that must follow (``LoginType.SOFT_TOKEN`` or ``LoginType.TOKEN_KEY``);
    #: None for a password-only account.
    second_factor: LoginType | None = None

    @property
    def user_id(self) -> str:
        return self.account.user_id.value

    @property
    def authenticated(self) -> bool:
        """True only when the password alone completes the login."""
        return self.next_step is LoginStep.AUTHENTICATED

    @property
    def second_factor_required(self) -> bool:
        return self.second_factor is not None

    @property
    def password_change_required(self) -> bool:
        """A change is due: now (``CHANGE_PASSWORD``) or after the second factor."""
        return self.change_reason is not None

    @property
    def single_factor(self) -> bool:
        """The password is the account's only factor, so a new one needs
        ``password_min_length_single_factor`` characters (for ``password_rules``)."""
        return self.second_factor is None


_LOG_IN_AGAIN = ("กรุณาเข้าสู่ระบบอีกครั้ง", "Please log in again.")


@attrs.frozen(kw_only=True)
class PasswordChanged:
    """The change was saved; the person logs in again with the new password."""

    user_id: str
    changed_at: datetime

    def message(self, lang: Language = "th") -> str:
        return _LOG_IN_AGAIN[0] if lang == "th" else _LOG_IN_AGAIN[1]


def password_rules(
    context: ServiceContext, lang: Language = "th", *, single_factor: bool = False
) -> list[str]:
    """The rules to show beside the new-password field, from the policy's numbers;
    ``single_factor`` for an account whose password is its only factor (15 characters)."""
    p = context.policy
    least = p.password_min_length_single_factor if single_factor else p.password_min_length
    th, en = [], []
    th.append(f"ยาวอย่างน้อย {least} ตัวอักษร และไม่เกิน {p.password_max_length}")
    en.append(f"At least {least} and at most {p.password_max_length} characters")
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
        """Check user ID and password: the first step of every login.

        Returns:
            The next step: ``SECOND_FACTOR`` for a soft token or Token Key account (never
            authenticated by the password alone), ``CHANGE_PASSWORD`` or
            ``AUTHENTICATED`` for a password-only account.

        Raises:
            ValidationError: the user ID or password is malformed.
            AuthenticationError: ``login_failed``, the one refusal to show: a wrong
                password, an unknown user ID, an account without a password or a disabled
                account (the audit log keeps which); ``password_expired`` (an initial or
                reset password past its lifetime, said only to its holder).
            RateLimited: ``login_locked`` with ``retry_after``, for known and unknown
                user IDs alike.
            StateError: ``account_disabled``, said only when the password was right.
        """
        check = self._accounts.verify_password(user_id, password)
        account = check.account
        reason = None
        if check.password_change_required:
            reason = "temporary_password" if account.password_expires_at else "first_login"
        if account.login_type is not LoginType.PASSWORD:
            return PasswordLogin(
                account=account,
                next_step=LoginStep.SECOND_FACTOR,
                change_reason=reason,
                second_factor=account.login_type,
            )
        step = LoginStep.AUTHENTICATED if reason is None else LoginStep.CHANGE_PASSWORD
        return PasswordLogin(account=account, next_step=step, change_reason=reason)

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
            AuthenticationError: ``wrong_password`` (counted; also for an unknown user
                ID), ``password_expired``.
            PasswordRejected: on ``new_password``; ``messages(lang)`` lists each rule
                (15 characters at least on a password-only account).
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

    def password_rules(self, lang: Language = "th", *, single_factor: bool = False) -> list[str]:
        """The rules to show on the change screen; pass ``single_factor=login.single_factor``
        from the password step so a password-only account sees its 15 characters."""
        return password_rules(self._ctx, lang, single_factor=single_factor)
