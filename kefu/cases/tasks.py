"""Background work for cases. Tasks take ids, are safe to run twice, and call services/selectors."""

import logging

from celery import shared_task

from kefu.cases.choices import EventKind
from kefu.cases.models import CaseEvent

__all__ = ("case_notify",)

log = logging.getLogger(__name__)

# Events that someone other than the actor needs to hear about.
_NOTIFY = {EventKind.TRANSITION, EventKind.TRANSFER, EventKind.HANDOVER, EventKind.REOPEN, EventKind.MERGE}


@shared_task(ignore_result=True, acks_late=True)
def case_notify(case_id: int, event_id: int) -> int:
    """E-mail the case's owner and handler about a change they did not make. Returns mails sent.

    The message is recorded once per event (`kefu.sla.mail.case_event_email_queue`) and sent through
    the claim-send-stamp path of kefu/sla/mail.py: running twice sends nothing twice, and a mail this
    task could not send (server away, worker killed) is sent by the periodic e-mail pick-up."""
    from kefu.sla.mail import case_event_email_queue, case_event_emails_send

    event = CaseEvent.objects.select_related("case", "actor").filter(pk=event_id).first()
    if event is None or event.kind not in _NOTIFY:
        return 0
    case = event.case
    recipients = {pk for pk in (case.owner_id, case.assignee_id) if pk and pk != event.actor_id}
    subject = f"[Kefu] {case.number} {case.title}"
    body = f"{event.actor} — {event.get_kind_display()} {event.transition}\n{event.message}\n"
    case_event_email_queue(event_id=event.pk, recipient_ids=recipients, subject=subject, body=body)
    return case_event_emails_send(event_ids=[event.pk]).sent
