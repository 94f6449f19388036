"""Background work for deadlines and notifications. Tasks are thin: they take ids, are safe to run
twice, and call the sweep or the mail module (kefu/sla/mail.py)."""

import logging

from celery import shared_task
from django.conf import settings

__all__ = ("email_pickup", "notifications_email", "sla_sweep_task")

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sla_sweep_task() -> dict:
    """The periodic sweep (beat, every KEFU_SLA_SWEEP_SECONDS, queue kefu.sweeps). Two running at once
    split the work."""
    from kefu.sla.escalation import escalation_actions_run
    from kefu.sla.sweep import sla_sweep

    # Two connections side by side on PostgreSQL (kefu.sla.sweep.sla_sweep); KEFU_SLA_SWEEP_WORKERS overrides.
    workers = int(getattr(settings, "KEFU_SLA_SWEEP_WORKERS", 2))
    result = sla_sweep(batch=int(settings.KEFU_SLA_SWEEP_BATCH), workers=workers)
    # Escalation steps whose case change a killed worker left pending (the sweep does its own at once).
    changes = escalation_actions_run()
    return {
        "clocks": result.clocks,
        "notices": result.notices,
        "notifications": result.notifications,
        "fallbacks": result.fallbacks,
        "case_changes": result.case_changes + changes,
    }


@shared_task(ignore_result=True, acks_late=True)
def notifications_email(ids: list[int]) -> int:
    """E-mail the notifications one sweep batch made (queued on its commit). Returns mails sent.
    Whatever this task does not send (it was lost, its worker died, the server refused) the
    pick-up sends later."""
    from kefu.sla.mail import notifications_send

    return notifications_send(ids=ids).sent


@shared_task(ignore_result=True)
def email_pickup() -> dict:
    """The periodic e-mail pick-up (beat, every KEFU_EMAIL_PICKUP_SECONDS, queue kefu.sweeps)."""
    from kefu.sla.mail import email_pickup as pickup

    result = pickup()
    return {"sent": result.sent, "skipped": result.skipped, "failed": result.failed}
