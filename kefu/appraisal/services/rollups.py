"""The monthly rollup the dashboards read, refreshed by the worker for the months whose cases changed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from kefu.appraisal.models import MonthlyRollup, RollupState

__all__ = ("rollup_refresh", "rollup_refresh_months")


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month, time.min))
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(datetime.combine(nxt, time.min))


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@transaction.atomic
def rollup_refresh_months(*, months: set[date]) -> int:
    """Recount the given months (first days), every unit: two aggregate queries per month. Returns rows written."""
    from kefu.cases.models import Case
    from kefu.sla.choices import ClockStatus
    from kefu.sla.models import Clock

    now = timezone.now()
    written = 0
    for month in sorted(months):
        start, end = _month_bounds(month)
        counts: dict[int, dict[str, int]] = {}
        cases = (
            Case.objects.filter(received_at__gte=start, received_at__lt=end)
            .values(u=Coalesce(F("responsible_unit"), F("receiving_unit")))
            .annotate(received=Count("pk"), closed=Count("pk", filter=Q(closed_at__isnull=False)))
            .order_by()
        )
        for row in cases:
            counts.setdefault(row["u"], {}).update(received=row["received"], closed=row["closed"])
        clocks = (
            Clock.objects.filter(case__received_at__gte=start, case__received_at__lt=end)
            .values(u=Coalesce(F("case__responsible_unit"), F("case__receiving_unit")))
            .annotate(
                clocks=Count("pk", filter=Q(status__in=[ClockStatus.MET, ClockStatus.MISSED])),
                met=Count("pk", filter=Q(status=ClockStatus.MET)),
                breaches=Count(
                    "pk",
                    filter=Q(status=ClockStatus.MISSED) | Q(status=ClockStatus.RUNNING, deadline__lt=now),
                ),
            )
            .order_by()
        )
        for row in clocks:
            counts.setdefault(row["u"], {}).update(
                clocks=row["clocks"], clocks_met=row["met"], breaches=row["breaches"]
            )
        existing = {r.unit_id: r for r in MonthlyRollup.objects.select_for_update().filter(month=month)}
        for unit_id, c in counts.items():
            if unit_id is None:
                continue
            values = {k: c.get(k, 0) for k in ("received", "closed", "clocks", "clocks_met", "breaches")}
            row = existing.pop(unit_id, None)
            if row is None:
                MonthlyRollup.objects.create(month=month, unit_id=unit_id, **values)
            else:
                MonthlyRollup.objects.filter(pk=row.pk).update(refreshed_at=now, **values)
            written += 1
        for stale in existing.values():  # a unit whose cases all moved elsewhere
            MonthlyRollup.objects.filter(pk=stale.pk).update(
                received=0, closed=0, clocks=0, clocks_met=0, breaches=0, refreshed_at=now
            )
    return written


@transaction.atomic
def rollup_refresh(*, full: bool = False) -> set[date]:
    """Refresh the months that changed since the last run: months of receipt of the cases with an
    event since then (every change writes one), and of the cases whose clock passed its deadline since then (a breach without a
    change to the case). The first run (or `full`) counts every month. Returns the months refreshed."""
    from kefu.cases.models import Case, CaseEvent
    from kefu.sla.choices import ClockStatus

    state, _ = RollupState.objects.select_for_update().get_or_create(key="monthly")
    now = timezone.now()
    if full or state.refreshed_at is None:
        changed = Case.objects.all()
        overdue = Case.objects.none()
    else:
        # Every change to a case writes a CaseEvent (indexed by created_at): no scan of the cases.
        changed = Case.objects.filter(
            pk__in=CaseEvent.objects.filter(created_at__gte=state.refreshed_at).values("case_id")
        )
        overdue = Case.objects.filter(
            clocks__status=ClockStatus.RUNNING, clocks__deadline__gte=state.refreshed_at, clocks__deadline__lt=now
        )
    months = {
        _as_date(m)
        for qs in (changed, overdue)
        for m in qs.annotate(m=TruncMonth("received_at")).values_list("m", flat=True).distinct().order_by()
    }
    rollup_refresh_months(months=months)
    state.refreshed_at = now
    state.save(update_fields=["refreshed_at"])
    return months
