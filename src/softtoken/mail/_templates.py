"""Email templates, in Thai and English.

Every message carries both languages, Thai first, as the portal's own emails do. Each
lifecycle module registers its templates with :func:`register_template`; placeholders
are ``string.Template`` names (``$user_id``), and ``$portal`` is always available.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Template

import attrs

from softtoken.accounts import _boundary
from softtoken.errors import ValidationError
from softtoken.mail._message import EmailMessage

__all__ = ["EmailTemplate", "register_template", "render", "templates"]


@attrs.frozen(kw_only=True)
class EmailTemplate:
    subject_th: str
    subject_en: str
    body_th: str
    body_en: str


_TEMPLATES: dict[str, EmailTemplate] = {}

_DISPUTE_TH = "หากท่านไม่ได้เป็นผู้ดำเนินการนี้ กรุณาติดต่อกรมบัญชีกลางโดยเร็วที่สุด และแจ้งรหัสอ้างอิง $reference"
_DISPUTE_EN = (
    "If this was not you, contact the Comptroller General's Department at once "
    "and quote reference $reference."
)


def register_template(name: str, template: EmailTemplate) -> None:
    """Add a template. Names are unique; registering one twice is a programming error."""
    if name in _TEMPLATES and _TEMPLATES[name] != template:
        msg = f"email template {name!r} is registered already"
        raise ValueError(msg)
    _TEMPLATES[name] = template


def templates() -> Mapping[str, EmailTemplate]:
    return dict(_TEMPLATES)


def render(name: str, to: str, params: Mapping[str, str], *, portal: str) -> EmailMessage:
    """Fill template ``name`` with ``params``. It runs inside the transaction, so a
    broken email never reaches the outbox.

    Raises:
        ValidationError: ``unknown_template`` (``template``), ``invalid_template_params``
            (``params``: not a mapping of text to text, or a parameter the template
            needs is missing).
    """
    template = _TEMPLATES.get(name) if isinstance(name, str) else None
    if template is None:
        raise ValidationError("unknown_template", field="template")
    if not isinstance(params, Mapping):
        raise ValidationError("invalid_template_params", field="params")
    for key, value in params.items():
        _boundary.text(key, "params", max_length=64, code="invalid_template_params")
        _boundary.text(
            value, "params", max_length=4096, code="invalid_template_params", allow_newlines=True
        )
    values = {"portal": portal, **params}

    def fill(text: str) -> str:
        try:
            return Template(text).substitute(values)
        except (KeyError, ValueError):
            raise ValidationError("invalid_template_params", field="params") from None

    return EmailMessage(
        to=to,
        subject=f"{fill(template.subject_th)} / {fill(template.subject_en)}",
        text=f"{fill(template.body_th)}\n\n-----\n\n{fill(template.body_en)}\n",
        template=name,
    )


register_template(
    "password_changed",
    EmailTemplate(
        subject_th="$portal: รหัสผ่านของท่านถูกเปลี่ยนแล้ว",
        subject_en="$portal: your password was changed",
        body_th="เรียน $name\n\nรหัสผ่านของบัญชี $user_id ถูกเปลี่ยนเมื่อ $when (UTC)\n\n" + _DISPUTE_TH,
        body_en="Dear $name,\n\nThe password of account $user_id was changed at $when (UTC).\n\n"
        + _DISPUTE_EN,
    ),
)

register_template(
    "account_disabled",
    EmailTemplate(
        subject_th="$portal: บัญชีของท่านถูกระงับ",
        subject_en="$portal: your account is disabled",
        body_th="เรียน $name\n\nบัญชี $user_id ถูกระงับเนื่องจากใส่รหัสผ่านผิดหลายครั้ง "
        "กรุณายื่นแบบคำขอใช้บริการเพื่อให้เจ้าหน้าที่เปิดใช้งานอีกครั้ง\n\n" + _DISPUTE_TH,
        body_en="Dear $name,\n\nAccount $user_id was disabled after too many wrong passwords. "
        "Send a service request to have an officer enable it again.\n\n" + _DISPUTE_EN,
    ),
)
