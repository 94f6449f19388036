"""Background work for cases. Tasks take ids, are safe to run twice, and call services/selectors."""

import logging

from celery import shared_task
from django.db import transaction

from kefu.cases import events
from kefu.cases.choices import EventKind
from kefu.cases.models import Case, CaseEvent

__all__ = ("NOTIFY_KINDS", "case_events_dispatch", "case_notify", "cases_archive_retention", "email_owner_and_handler")

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
    """Subscriber: the e-mail to the case's owner and handler about a change they did not make.

    The message is recorded in the delivery's transaction (`kefu.sla.mail.case_event_email_queue`,
    once per event), so it can never be lost; `case_notify` sends it after commit, and the periodic
    e-mail pick-up sends whatever that could not (server away, worker killed)."""
    from kefu.sla.mail import case_event_email_queue

    row = CaseEvent.objects.select_related("actor").filter(pk=event.event_id).first()
    case = Case.objects.filter(pk=event.case_id).only("id", "number", "title", "is_anonymous").first()
    if row is None or case is None:
        return
    # The people of that moment: an event delivered late is not news for today's handler.
    recipients = {pk for pk in (event.owner_id, event.assignee_id) if pk and pk != event.actor_id}
    if case.is_anonymous:
        # The title and the comment may name an anonymous complainant; mail leaves Kefu's access control
        # (001 篇10 第十九条), so it says only what happened and where to read it.
        subject = f"[Kefu] {case.number}"
        body = f"{row.actor} — {row.get_kind_display()} {row.transition}\n"
    else:
        subject = f"[Kefu] {case.number} {case.title}"
        body = f"{row.actor} — {row.get_kind_display()} {row.transition}\n{row.message}\n"
    case_event_email_queue(event_id=row.pk, recipient_ids=recipients, subject=subject, body=body)
    case_id, event_id = case.pk, row.pk
    transaction.on_commit(lambda: case_notify.delay(case_id, event_id))


@shared_task(ignore_result=True, acks_late=True)
def case_notify(case_id: int, event_id: int) -> int:
    """Send the recorded e-mail about one case change (claim, send, stamp: kefu/sla/mail.py). Running
    twice sends nothing twice. Returns mails sent."""
    from kefu.sla.mail import case_event_emails_send

    return case_event_emails_send(event_ids=[event_id]).sent
