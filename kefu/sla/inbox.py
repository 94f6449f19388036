"""The in-app inbox: putting work in front of people, and marking it read.

Any app tells people about work through `inbox_notify` (a case routed to them, an approval waiting
at their level, a work order dispatched, a return visit due). Messages are registered once, with
translatable texts, under a code; a notification stores the code and its parameters and is rendered
in the *reader's* language when read, so an English reader of a Chinese site sees English:

    # kefu/workorders/apps.py, in ready():
    register_message(
        "workorders.dispatched",
        title=_("Work order %(number)s was dispatched to you"),
        body=_("%(customer)s, %(address)s. Arrive by %(due)s."),
    )

    # in a service, inside its transaction:
    inbox_notify(recipients=[technician], kind=NoticeKind.WORK, code="workorders.dispatched",
                 params={"number": order.number, ...}, case=order.case, url=f"/workorders/{order.pk}/",
                 due_at=order.arrive_by, exclude=[actor])

Notifications are written in the caller's transaction (so a rolled-back change notifies nobody) and
e-mailed after commit. Only the recipient reads or marks their own notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from kefu.sla.models import Notification

__all__ = (
    "InboxMessage",
    "inbox_notify",
    "notification_mark_read",
    "notifications_mark_all_read",
    "register_message",
    "render_notification",
)

_TITLE_MAX = 200


@dataclass(frozen=True)
class InboxMessage:
    """A registered message: translatable title and body with `%(name)s` placeholders."""

    code: str
    title: str | Promise
    body: str | Promise = ""


_messages: dict[str, InboxMessage] = {}


def register_message(code: str, *, title: str | Promise, body: str | Promise = "") -> None:
    """Register (or replace) the texts of a message code, e.g. "workorders.dispatched"; call from ready()."""
    _messages[code] = InboxMessage(code=code, title=title, body=body)


def _format(text: str | Promise, params: Mapping[str, Any]) -> str:
    text = str(text)
    try:
        return text % dict(params) if params else text
    except (KeyError, TypeError, ValueError):
        # A parameter missing from an old notification must not break the reader's inbox.
        return text


def render_notification(notification: Notification) -> tuple[str, str]:
    """(title, body) in the active language: the registered message's texts with the stored
    parameters, or the stored text for deadline notices and unknown codes."""
    message = _messages.get(notification.message_code) if notification.message_code else None
    if message is None:
        return notification.title, notification.body
    params = notification.params or {}
    return _format(message.title, params)[:_TITLE_MAX], _format(message.body, params) if message.body else ""


def inbox_notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    code: str,
    params: Mapping[str, Any] | None = None,
    case: Any = None,
    url: str = "",
    due_at: datetime | None = None,
    exclude: Iterable[Any] = (),
) -> list[Notification]:
    """Put one notification per recipient in their inbox (active people, once each, never those in
    `exclude`, e.g. the actor or the person a complaint is about) and e-mail them after commit.

    `code` must be registered (`register_message`); `params` must be JSON-serialisable (ids,
    numbers, short texts). Returns the notifications created.
    """
    if code not in _messages:
        raise ValueError(f"inbox message '{code}' is not registered")
    params = dict(params or {})
    excluded = {getattr(p, "pk", p) for p in exclude if p is not None}
    people: dict[int, Any] = {}
    for person in recipients:
        if person is not None and person.is_active and person.pk not in excluded:
            people.setdefault(person.pk, person)
    if not people:
        return []
    # The stored text (e-mail, fallback) is in the site's language, whatever the request's was.
    with translation.override(settings.LANGUAGE_CODE):
        probe = Notification(message_code=code, params=params)
        title, body = render_notification(probe)
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=person,
                case=case,
                kind=kind,
                title=title,
                body=body,
                message_code=code,
                params=params,
                url=url[:500],
                due_at=due_at,
            )
            for person in people.values()
        ]
    )
    ids = [n.pk for n in created if n.pk is not None]
    if ids:
        from kefu.sla.tasks import notifications_email

        transaction.on_commit(lambda: notifications_email.delay(ids))
    return created


def notification_mark_read(*, user: Any, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs (or does not exist).
    Marking an already read notification keeps its first read time."""
    if not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        return False
    Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    return True


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed (index `inbox`)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
