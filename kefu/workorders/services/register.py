"""The repair register reconciliation (seed-004 D11 13): "服务中心及分公司业务员,应根据“报修登记簿”核对
“服务凭证”后,将当天未派修工作,于次日送请主任优先派工。"

Each day the orders registered (报修登记) are checked against the orders dispatched. An order registered
by the end of the register day (`field_service.reconciliation.day_ends`, default 18:00) and still
waiting for dispatch then is marked `carried_over_on = that day`: the dispatch lists sort such orders
first, and the supervisors of its unit are told. The reconciliation of a day is made once: the
`RegisterDay` row (unique day) is inserted in the same transaction as the marks, so a second run —
a retried task, two beat schedulers — finds the row and does nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kefu.workorders.choices import EventKind, OrderStatus
from kefu.workorders.models import RegisterDay, WorkOrder, WorkOrderEvent
from kefu.workorders.rules import DEFAULT_SECTION

__all__ = ("RegisterSummary", "register_day_bounds", "register_day_of", "register_reconcile", "register_summary")


def register_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a register day: from the previous day's closing time to this day's."""
    from kefu.rulebooks.selectors import rulebook_for_new_case

    section = rulebook_for_new_case(None).doc.section("field_service") or DEFAULT_SECTION
    tz = timezone.get_current_timezone()
    end = datetime.combine(day, section.reconciliation.day_ends, tzinfo=tz)
    return end - timedelta(days=1), end


def register_day_of(moment: datetime) -> date:
    """The register day an order registered at `moment` belongs to: after the day's closing time
    (18:00 by default) it is the next day's, so an order taken at 21:00 is on tomorrow's register."""
    day = timezone.localdate(moment)
    _, end = register_day_bounds(day)
    return day + timedelta(days=1) if moment >= end else day


@dataclass(frozen=True)
class RegisterSummary:
    day: date
    registered: int
    dispatched: int
    not_dispatched: int


def register_summary(orders: QuerySet[WorkOrder], day: date) -> RegisterSummary:
    """The counts of one register day over `orders` (already restricted to what the reader may see),
    in one aggregate query."""
    start, end = register_day_bounds(day)
    registered = Q(created_at__gte=start, created_at__lt=end)
    counts = orders.aggregate(
        registered=Count("pk", filter=registered),
        dispatched=Count("pk", filter=Q(dispatched_at__gte=start, dispatched_at__lt=end)),
        not_dispatched=Count(
            "pk",
            filter=Q(created_at__lt=end)
            & (Q(dispatched_at__isnull=True) | Q(dispatched_at__gte=end))
            & ~Q(status=OrderStatus.CANCELLED, cancelled_at__lt=end),
        ),
    )
    return RegisterSummary(day=day, **counts)


def register_reconcile(*, day: date | None = None, now: datetime | None = None) -> RegisterDay | None:
    """Reconcile the register of `day` (default: the last day whose closing time has passed) once.
    Returns the new RegisterDay, or None when that day was already reconciled."""
    from kefu.sla.inbox import inbox_notify
    from kefu.workorders.services.clock import _supervisors

    now = now or timezone.now()
    if day is None:
        day = timezone.localtime(now).date()
        if now < register_day_bounds(day)[1]:
            day -= timedelta(days=1)
    start, end = register_day_bounds(day)
    try:
        with transaction.atomic():
            summary = register_summary(WorkOrder.objects.all(), day)
            record = RegisterDay.objects.create(
                day=day,
                registered=summary.registered,
                dispatched=summary.dispatched,
                carried_over=summary.not_dispatched,
            )
            waiting = WorkOrder.objects.filter(status=OrderStatus.NEW, created_at__lt=end, carried_over_on__isnull=True)
            rows = list(waiting.select_related("unit").order_by("id"))
            WorkOrder.objects.filter(pk__in=[o.pk for o in rows]).update(carried_over_on=day)
            WorkOrderEvent.objects.bulk_create(
                WorkOrderEvent(order=o, version=o.version, kind=EventKind.CARRIED_OVER, data={"day": day.isoformat()})
                for o in rows
            )
            by_unit: dict[int, list[WorkOrder]] = defaultdict(list)
            for order in rows:
                by_unit[order.unit_id].append(order)
            for orders in by_unit.values():
                inbox_notify(
                    recipients=_supervisors(orders[0]),
                    kind="work",
                    code="workorders.carried_over",
                    params={"count": len(orders), "day": day.isoformat()},
                    url="/workorders/register/",
                )
    except IntegrityError:
        return None  # reconciled already (the unique day)
    return record
