"""Background work for deadlines. Tasks are thin: they take ids, are safe to run twice, and call
the sweep or send what the sweep queued."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from kefu.sla.models import Notification

__all__ = ("notifications_email", "sla_sweep_task")

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sla_sweep_task() -> dict:
    """The periodic sweep (beat, every KEFU_SLA_SWEEP_SECONDS). Two running at once split the work."""
    from kefu.sla.escalation import escalation_actions_run
    from kefu.sla.sweep import sla_sweep

    result = sla_sweep()
    # Escalation steps whose case change a killed worker left pending (the sweep does its own at once).
    changes = escalation_actions_run()
    return {
        "clocks": result.clocks,
        "notices": result.notices,
        "notifications": result.notifications,
        "case_changes": result.case_changes + changes,
    }


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),  # SMTP down or refusing: try again later rather than lose the notice
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def notifications_email(self, ids: list[int]) -> int:
    """E-mail each notification to its recipient. Returns mails sent.

    `emailed_at` is set right after each mail, so a retry after a partial failure (or a redelivery
    after a worker died) skips what already went out; at worst the one mail in flight when a worker
    died is sent twice, never the whole batch.
    """
    sent = 0
    pending = (
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related("recipient").order_by("pk")
    )
    for note in pending:
        address = note.recipient.email
        if not address or not note.recipient.is_active:
            continue
        send_mail(note.title, note.body, settings.DEFAULT_FROM_EMAIL, [address])
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
