"""Telling a customer something: a pluggable SMS sender, and e-mail through Django's mail.

`settings.KEFU_SMS_BACKEND` is the dotted path of a class with `send(*, to, body, case_id)`; the
default, `kefu.portal.sender.OutboxSmsBackend`, writes the message to the `OutboxMessage` table the
admin reads (no gateway needed). A site with an SMS gateway writes a class of its own that calls it.

`customer_message` queues the sending with `transaction.on_commit`: a filing or a code request that
rolls back sends nothing, and nothing is sent before the rows it speaks of are committed.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from kefu.portal.choices import MessageChannel
from kefu.portal.models import OutboxMessage

__all__ = ("DEFAULT_SMS_BACKEND", "OutboxSmsBackend", "SmsBackend", "customer_message", "sms_backend")

DEFAULT_SMS_BACKEND = "kefu.portal.sender.OutboxSmsBackend"
log = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, case_id: int | None) -> None: ...


class OutboxSmsBackend:
    """The default: the message goes to the outbox table (admin: Customer self-service › Outbox messages)."""

    def send(self, *, to: str, body: str, case_id: int | None) -> None:
        OutboxMessage.objects.create(channel=MessageChannel.SMS, to=to, body=body, case_id=case_id)


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "KEFU_SMS_BACKEND", "") or DEFAULT_SMS_BACKEND)()


def _deliver(*, phone: str, email: str, subject: str, body: str, case_id: int | None) -> None:
    if phone:
        sms_backend().send(to=phone, body=body, case_id=case_id)
    if email:
        try:
            send_mail(subject, body, None, [email])
        except Exception:  # a mail server that is down must not lose the SMS already sent; logged
            log.exception("portal: e-mail to the customer of case %s failed", case_id)


def customer_message(*, phone: str = "", email: str = "", subject: str, body: str, case_id: int | None = None) -> None:
    """Send `body` by SMS to `phone` and by e-mail to `email` (either may be empty) after commit."""
    args: dict[str, Any] = {"phone": phone, "email": email, "subject": subject, "body": body, "case_id": case_id}
    transaction.on_commit(lambda: _deliver(**args))
