"""Email: messages, templates, the outbox dispatcher and the senders."""

from softtoken.mail._message import EmailMessage, OutboxMessage
from softtoken.mail._outbox import DeliveryReport, MailDispatcher, RetrySchedule
from softtoken.mail._templates import EmailTemplate, register_template, render, templates
from softtoken.mail.memory import MemoryMailbox
from softtoken.mail.smtp import SmtpSender

__all__ = [
    "DeliveryReport",
    "EmailMessage",
    "EmailTemplate",
    "MailDispatcher",
    "MemoryMailbox",
    "OutboxMessage",
    "RetrySchedule",
    "SmtpSender",
    "register_template",
    "render",
    "templates",
]
