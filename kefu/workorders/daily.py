"""Daily reports compiled from the records (seed-004 D11 10–12), with aggregate queries — never a loop
over orders.

D11 10: "技术员应于每日将所从事修护工作的类别及所耗用时间填“技术员工作日报表”,送请服务主任核阅存查。"
D11 11: "服务主任应逐日依据技术人员日报表,将当天所属人员服务的类别及所耗时间,填“服务主任日报表”。"
D11 12: "分公司的“服务主任日报表”,应先送请经理核阅签章后,转送服务部。"
D11 5: cash collected on site is handed to the accountant ("将款交于会计员") — the unit report sums it.

The figures are JSON-ready (money as strings, times as ISO text, durations in minutes) so that a
submitted report stores exactly what was shown and reviewed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.workorders.choices import OPEN_STATUSES, OrderKind, OrderStatus
from kefu.workorders.models import PartLine, WorkOrder

__all__ = ("day_bounds", "daily_workbook", "technician_daily", "unit_daily")

LIST_LIMIT = 200
ON_SITE = ExpressionWrapper(F("completed_at") - F("arrived_at"), output_field=DurationField())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def _minutes(value: timedelta | int | None) -> int:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    return int(value) // 60_000_000  # microseconds (a backend without a native interval)


def _money(value: Decimal | None) -> str:
    return str((value or Decimal("0")).quantize(Decimal("0.01")))


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _kind_label(kind: str) -> str:
    return str(OrderKind(kind).label) if kind in OrderKind.values else kind


def technician_daily(*, technician: Any, day: date) -> dict[str, Any]:
    """The technician's day: orders completed (by kind: how many, time on site, fees, cash collected),
    the parts used, each completed order, and what is still open."""
    start, end = day_bounds(day)
    done = WorkOrder.objects.filter(technician=technician, completed_at__gte=start, completed_at__lt=end)
    sums = {
        "orders": Count("pk"),
        "on_site": Sum(ON_SITE),
        "fees": Sum("fee_total"),
        "collected": Sum("fee_collected"),
    }
    by_kind = [
        {
            "kind": _kind_label(row["kind"]),
            "orders": row["orders"],
            "minutes": _minutes(row["on_site"]),
            "fees": _money(row["fees"]),
            "collected": _money(row["collected"]),
        }
        for row in done.values("kind").annotate(**sums).order_by("kind")
    ]
    total = done.aggregate(**sums)
    parts = [
        {"name": row["name"], "code": row["code"], "quantity": row["qty"], "amount": _money(row["amount"])}
        for row in PartLine.objects.filter(order__in=done)
        .values("code", "name")
        .annotate(qty=Sum("quantity"), amount=Sum(F("quantity") * F("unit_price")))
        .order_by("name")
    ]
    orders = [
        {
            "number": row["number"],
            "kind": _kind_label(row["kind"]),
            "customer": row["customer__name"],
            "arrived": _when(row["arrived_at"]),
            "completed": _when(row["completed_at"]),
            "fee": _money(row["fee_total"]),
            "collected": _money(row["fee_collected"]),
            "invoice": row["invoice_no"],
        }
        for row in done.order_by("completed_at").values(
            "number", "kind", "customer__name", "arrived_at", "completed_at", "fee_total", "fee_collected", "invoice_no"
        )[:LIST_LIMIT]
    ]
    pending = [
        {
            "number": row["number"],
            "status": str(OrderStatus(row["status"]).label),
            "customer": row["customer__name"],
            "repair_by": _when(row["repair_due_at"]),
        }
        for row in WorkOrder.objects.filter(technician=technician, status__in=OPEN_STATUSES)
        .order_by("id")
        .values("number", "status", "customer__name", "repair_due_at")[:LIST_LIMIT]
    ]
    return {
        "day": day.isoformat(),
        "technician": str(technician),
        "completed": total["orders"],
        "minutes": _minutes(total["on_site"]),
        "fees": _money(total["fees"]),
        "collected": _money(total["collected"]),
        "by_kind": by_kind,
        "parts": parts,
        "orders": orders,
        "pending": pending,
    }


def unit_daily(*, unit: Any, day: date) -> dict[str, Any]:
    """The unit's day (its orders and those of the units below it): received, dispatched, completed,
    late (arrival or repair), carried over from the register, the fees and the cash to hand to the
    accountant, and each technician's completed work."""
    start, end = day_bounds(day)
    orders = WorkOrder.objects.filter(unit__path__startswith=unit.path)
    completed = Q(completed_at__gte=start, completed_at__lt=end)
    counts = orders.aggregate(
        received=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        dispatched=Count("pk", filter=Q(dispatched_at__gte=start, dispatched_at__lt=end)),
        completed=Count("pk", filter=completed),
        late=Count(
            "pk",
            filter=Q(late_at__gte=start, late_at__lt=end) | Q(repair_late_at__gte=start, repair_late_at__lt=end),
        ),
        carried_over=Count("pk", filter=Q(carried_over_on=day)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        fees=Sum("fee_total", filter=completed),
        cash=Sum("fee_collected", filter=completed),
    )
    technicians = [
        {
            "technician": " ".join(p for p in (row["technician__last_name"], row["technician__first_name"]) if p)
            or row["technician__username"],
            "orders": row["orders"],
            "minutes": _minutes(row["on_site"]),
            "collected": _money(row["collected"]),
        }
        for row in orders.filter(completed)
        .values("technician__username", "technician__first_name", "technician__last_name")
        .annotate(orders=Count("pk"), on_site=Sum(ON_SITE), collected=Sum("fee_collected"))
        .order_by("technician__username")
    ]
    by_kind = [
        {"kind": _kind_label(row["kind"]), "orders": row["orders"], "minutes": _minutes(row["on_site"])}
        for row in orders.filter(completed)
        .values("kind")
        .annotate(orders=Count("pk"), on_site=Sum(ON_SITE))
        .order_by("kind")
    ]
    return {
        "day": day.isoformat(),
        "unit": str(unit),
        **{k: counts[k] for k in ("received", "dispatched", "completed", "late", "carried_over", "open")},
        "fees": _money(counts["fees"]),
        "cash": _money(counts["cash"]),
        "technicians": technicians,
        "by_kind": by_kind,
    }


def daily_workbook(kind: str, figures: dict[str, Any]) -> bytes:
    """The report as an Excel workbook (one sheet of figures, one per list)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")

    def table(ws, headers: list[str], rows: list[list[Any]]) -> None:
        ws.append(headers)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)

    if kind == "technician":
        table(
            sheet,
            [_("Day"), _("Technician"), _("Orders completed"), _("Minutes on site"), _("Fees"), _("Cash collected")],
            [
                [
                    figures["day"],
                    figures["technician"],
                    figures["completed"],
                    figures["minutes"],
                    Decimal(figures["fees"]),
                    Decimal(figures["collected"]),
                ]
            ],
        )
        table(
            book.create_sheet(_("Orders")),
            [
                _("Number"),
                _("Kind"),
                _("Customer"),
                _("Arrived"),
                _("Completed"),
                _("Fee"),
                _("Collected"),
                _("Invoice"),
            ],
            [
                [
                    o["number"],
                    o["kind"],
                    o["customer"],
                    o["arrived"],
                    o["completed"],
                    Decimal(o["fee"]),
                    Decimal(o["collected"]),
                    o["invoice"],
                ]
                for o in figures["orders"]
            ],
        )
        table(
            book.create_sheet(_("Parts")),
            [_("Part"), _("Code"), _("Quantity"), _("Amount")],
            [[p["name"], p["code"], p["quantity"], Decimal(p["amount"])] for p in figures["parts"]],
        )
        table(
            book.create_sheet(_("Pending")),
            [_("Number"), _("Status"), _("Customer"), _("Repair by")],
            [[p["number"], p["status"], p["customer"], p["repair_by"]] for p in figures["pending"]],
        )
    else:
        keys = ("received", "dispatched", "completed", "late", "carried_over", "open")
        labels = [_("Received"), _("Dispatched"), _("Completed"), _("Late"), _("Carried over"), _("Still open")]
        table(
            sheet,
            [_("Day"), _("Unit"), *labels, _("Fees"), _("Cash to hand to the accountant")],
            [
                [
                    figures["day"],
                    figures["unit"],
                    *(figures[k] for k in keys),
                    Decimal(figures["fees"]),
                    Decimal(figures["cash"]),
                ]
            ],
        )
        table(
            book.create_sheet(_("Technicians")),
            [_("Technician"), _("Orders completed"), _("Minutes on site"), _("Cash collected")],
            [[t["technician"], t["orders"], t["minutes"], Decimal(t["collected"])] for t in figures["technicians"]],
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
