"""Background work of return visits: plan generation, overdue visits and late reports (one beat entry, nightly).
Safe to run twice: the unique constraints and the `overdue_notified_at` mark decide."""

from celery import shared_task
from django.conf import settings

__all__ = ("visits_daily",)


@shared_task(ignore_result=True, acks_late=True)
def visits_daily() -> dict:
    """The planned visits due in the next KEFU_VISITS_PLAN_DAYS days (default 62), then one notice per
    visit past due to its visitor."""
    from datetime import timedelta

    from django.utils import timezone

    from kefu.visits.plans import visit_plan_generate
    from kefu.visits.reports import visit_reports_late_notify
    from kefu.visits.services import visit_overdue_notify

    until = timezone.localdate() + timedelta(days=int(getattr(settings, "KEFU_VISITS_PLAN_DAYS", 62)))
    created = visit_plan_generate(until=until).created
    return {
        "created": created,
        "overdue_notices": visit_overdue_notify(),
        "late_reports": visit_reports_late_notify(),
    }
