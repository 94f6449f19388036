"""Background work for cases. Tasks take ids, are safe to run twice, and call services/selectors."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from kefu.cases import events
from kefu.cases.choices import EventKind
from kefu.cases.models import CaseEvent

__all__ = ("case_events_dispatch", "case_notify", "cases_archive_retention", "email_owner_and_handler")

log = logging.getLogger(__name__)

# Events that someone other than the actor needs to hear about.
NOTIFY_KINDS = frozenset(
    {EventKind.TRANSITION, EventKind.TRANSFER, EventKind.HANDOVER, EventKind.REOPEN, EventKind.MERGE}
)


@shared_task(ignore_result=True)
def case_events_dispatch() -> dict:
    """Deliver pending case events to their subscribers (kefu.cases.events). Queued after each commit
    that recorded events, and run periodically to pick up what a dead worker left behind."""
    result = events.dispatch_pending()
    return {"delivered": result.delivered, "failed": result.failed}


@shared_task(ignore_result=True)
def cases_archive_retention() -> dict:
    """Archive closed cases whose rulebook retention period has passed (beat, daily). Never deletes."""
    from kefu.cases.services.retention import cases_archive_due

    archived = total = cases_archive_due()
    while archived == 500:  # a full batch: more may be due
        archived = cases_archive_due()
        total += archived
    if total:
        log.info("cases_archive_retention: %s case(s) archived", total)
    return {"archived": total}


def email_owner_and_handler(event: events.CaseEventInfo) -> None:
    """Subscriber: e-mail the case's owner and handler about a change they did not make (after commit)."""
    event_id, case_id = event.event_id, event.case_id
    transaction.on_commit(lambda: case_notify.delay(case_id, event_id))


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def case_notify(self, case_id: int, event_id: int) -> int:
    """E-mail the case's owner and handler about a change they did not make. Returns mails sent."""
    event = CaseEvent.objects.select_related("case__owner", "case__assignee", "actor").filter(pk=event_id).first()
    if event is None or event.kind not in NOTIFY_KINDS:
        return 0
    case = event.case
    recipients = {u.email for u in (case.owner, case.assignee) if u and u.email and u.pk != event.actor_id}
    if not recipients:
        return 0
    subject = f"[Kefu] {case.number} {case.title}"
    body = f"{event.actor} — {event.get_kind_display()} {event.transition}\n{event.message}\n"
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients))
    except OSError as exc:  # SMTP down: try again later rather than lose the notice
        log.warning("case_notify %s failed: %s", event_id, exc)
        raise self.retry(exc=exc)
