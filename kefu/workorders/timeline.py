"""Work orders on a customer's timeline (kefu.customers.timeline), and the installed equipment and
maintenance contracts panel of the customer page.

Orders come from `orders_visible_to(user)`; an order opened from an anonymous case is left out for a
reader who may not see that case's complainant (001 篇10 第十九条), since the order would tie the
complaint to the file. Equipment and contracts are shown to whoever may read the file: they are the
customer's installed products (产品保修卡), not case material.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.cases.timeline import anonymous_cases_named_for
from kefu.customers.timeline import Cursor, FilePanel, TimelineEntry, keyset_q
from kefu.workorders.models import Equipment, MaintenanceContract
from kefu.workorders.selectors import orders_visible_to

__all__ = ("equipment_panel", "order_entries", "orders_panel")


def _named(user: Any) -> Q:
    """Orders not opened from an anonymous case whose complainant `user` may not see."""
    if user.is_superuser:
        return Q()
    return Q(case__isnull=True) | Q(case__is_anonymous=False) | Q(case__in=anonymous_cases_named_for(user))


def orders_panel(customer: Any, user: Any) -> FilePanel:
    """The customer's work orders the reader may see, open ones first."""
    orders = (
        orders_visible_to(user)
        .filter(customer=customer)
        .filter(_named(user))
        .order_by(F("closed_at").asc(nulls_first=True), "-reported_at", "-pk")[:20]
    )
    rows = [
        _("%(number)s · %(status)s · reported %(date)s")
        % {"number": o.number, "status": o.get_status_display(), "date": o.reported_at.date().isoformat()}
        for o in orders
    ]
    return FilePanel(title=_("Work orders"), rows=rows, empty=_("No work orders you may see."))


def order_entries(customer: Any, user: Any, *, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    rows = (
        orders_visible_to(user)
        .filter(customer=customer)
        .filter(_named(user))
        .filter(keyset_q(source="work_orders", before=before, when_field="reported_at"))
        .only("id", "number", "status", "service_type", "reported_at", "customer_id", "unit_id", "technician_id")
        .select_related(None)
        .order_by("-reported_at", "-pk")[:limit]
    )
    url = reverse("workorders:detail", args=[0]).replace("/0/", "/{}/")  # one reverse() per page
    return [
        TimelineEntry(
            when=order.reported_at,
            kind="work_order",
            title=_("Work order %(number)s") % {"number": order.number},
            url=url.format(order.pk),
            key=order.pk,
            source="work_orders",
            detail=str(order.get_status_display()),
            extra={"number": order.number, "status": order.status},
        )
        for order in rows
    ]


def equipment_panel(customer: Any, user: Any) -> FilePanel:
    rows = []
    for item in Equipment.objects.filter(customer=customer).order_by("model_name", "pk")[:50]:
        text = item.model_name + (f"（{item.serial_no}）" if item.serial_no else "")
        if item.warranty_end:
            text += " · " + _("warranty until %(date)s") % {"date": item.warranty_end.isoformat()}
        rows.append(text)
    for contract in MaintenanceContract.objects.filter(customer=customer).order_by("-ends_on", "pk")[:20]:
        rows.append(
            _("Maintenance contract %(number)s, %(start)s to %(end)s")
            % {"number": contract.number, "start": contract.starts_on.isoformat(), "end": contract.ends_on.isoformat()}
        )
    return FilePanel(title=_("Equipment and contracts"), rows=rows, empty=_("No equipment or contracts."))
