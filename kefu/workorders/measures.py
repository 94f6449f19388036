"""Work orders' contribution to appraisal (kefu.appraisal): the measures KPIs may name, and the ledger
sources of 篇8 (9.4 个人原因返工, 9.5 未签收《服务记录单》每次罚款100元). Registered in `ready()`;
each measure is ONE aggregate query over the period's orders, grouped by technician or unit.

| code | counts | person | unit |
|---|---|---|---|
| `workorders.on_time` (rate) | orders arrived in the period: arrived by the deadline ÷ arrived | technician | order's unit |
| `workorders.repeat_fault` (rate) | orders completed in the period that were repeat faults ÷ completed | technician of the order | order's unit |
| `workorders.completed` (count) | orders completed in the period | technician | order's unit |
| `workorders.signature_missing` (count) | completed in the period without the customer's signature (also with a waiver) | technician | order's unit |
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Q

__all__ = ("register_appraisal",)


def _grouped(qs, period, scope, **aggregates):
    from kefu.appraisal.measures import Figure

    if scope.by == "person":
        qs = qs.filter(technician__isnull=False, technician__unit__path__startswith=scope.unit_path)
        qs = qs.values(who=F("technician"))
    else:
        qs = qs.filter(unit__path__startswith=scope.unit_path).values(who=F("unit"))
    rows = qs.annotate(**aggregates).order_by()
    return {r["who"]: Figure(Decimal(r["n"]), Decimal(r["d"]) if "d" in r else None) for r in rows}


def _orders():
    from kefu.workorders.models import WorkOrder

    return WorkOrder.objects.all()


def _completed_in(period):
    return _orders().filter(completed_at__gte=period.start, completed_at__lt=period.end)


def on_time(period, scope):
    qs = _orders().filter(arrived_at__gte=period.start, arrived_at__lt=period.end)
    return _grouped(qs, period, scope, n=Count("pk", filter=Q(arrived_at__lte=F("arrival_due_at"))), d=Count("pk"))


def repeat_fault(period, scope):
    qs = _completed_in(period)
    return _grouped(qs, period, scope, n=Count("pk", filter=Q(repeat_of__isnull=False)), d=Count("pk"))


def completed(period, scope):
    return _grouped(_completed_in(period), period, scope, n=Count("pk"))


def _unsigned() -> Q:
    return Q(signature="") | ~Q(waiver_reason="")


def signature_missing(period, scope):
    return _grouped(_completed_in(period).filter(_unsigned()), period, scope, n=Count("pk"))


def unsigned_orders(since: datetime):
    """篇8 9.5: an order completed without the customer's signature (a waiver too: the record was not
    signed) drafts `missing_signature` for its technician."""
    from kefu.appraisal.services.sources import SourceItem

    rows = (
        _orders()
        .filter(completed_at__gte=since, technician__isnull=False)
        .filter(_unsigned())
        .values_list("number", "technician_id", "waiver_reason")
    )
    return [
        SourceItem(
            ref=f"workorders:{number}",
            person_id=tech,
            reason="missing_signature",
            note=f"{number} " + (f"未签收（{waiver}）" if waiver else "未签收"),
        )
        for number, tech, waiver in rows
    ]


def rework_orders(since: datetime):
    """篇8 9.4: a repeat fault completed since `since` drafts `rework` for the technician of the order
    it repeats (whose repair did not hold); the approver rejects it when the cause was not personal."""
    from kefu.appraisal.services.sources import SourceItem

    rows = (
        _orders()
        .filter(completed_at__gte=since, repeat_of__isnull=False, repeat_of__technician__isnull=False)
        .values_list("number", "repeat_of__number", "repeat_of__technician_id")
    )
    return [
        SourceItem(ref=f"workorders:{first}", person_id=tech, reason="rework", note=f"{number} 返修 {first}")
        for number, first, tech in rows
    ]


def register_appraisal() -> None:
    from kefu.appraisal.measures import register_measure
    from kefu.appraisal.services.sources import register_ledger_source

    register_measure("workorders.on_time", kind="rate", compute=on_time)
    register_measure("workorders.repeat_fault", kind="rate", compute=repeat_fault)
    register_measure("workorders.completed", kind="count", compute=completed)
    register_measure(
        "workorders.signature_missing",
        kind="count",
        compute=signature_missing,
    )
    register_ledger_source("workorders.missing_signature", unsigned_orders)
    register_ledger_source("workorders.rework", rework_orders)
