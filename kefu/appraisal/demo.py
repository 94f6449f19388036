"""Demo appraisal data: last month's scorecards for the demo organisation and a few ledger entries."""

from __future__ import annotations

from typing import Any


def make_appraisal_demo(world: Any, *, rng: Any, log: Any) -> None:
    from django.utils import timezone

    from kefu.appraisal.measures import Period
    from kefu.appraisal.services import scorecard_compute
    from kefu.core.exceptions import ApplicationError
    from kefu.org.models import OrgUnit

    root = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        return
    today = timezone.localdate()
    try:
        for day in (today.replace(day=1) - timezone.timedelta(days=1), today):
            scorecard_compute(period=Period.of("month", day), unit=root)
    except ApplicationError:
        return
    log("appraisal: scorecards for last month and this month")
