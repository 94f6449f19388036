"""Reads with a rule: the orders a person may see, a technician's day, dispatch suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.workorders.choices import OPEN_STATUSES, OrderStatus
from kefu.workorders.models import MaintenanceContract, ServiceArea, TechnicianSkill, WorkOrder

__all__ = (
    "Suggestion",
    "contract_orders",
    "contracts_visible_to",
    "dispatch_suggestions",
    "orders_visible_to",
    "suggestion_queryset",
    "technician_today",
)

# Weights of the ranking (docs/workorders.md): area and skill first, then who is on shift, then load.
W_AREA, W_SKILL, W_ON_DUTY, W_LOAD = 100, 50, 30, 10


def orders_visible_to(user) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.visible_to(user).select_related("customer", "unit", "technician")


def technician_today(user) -> QuerySet[WorkOrder]:
    """The technician's open orders and their team's queue, booked visits first, then by deadline."""
    mine = WorkOrder.objects.filter(technician=user, status__in=OPEN_STATUSES)
    if user.unit_id:
        mine = mine | WorkOrder.objects.filter(
            unit_id=user.unit_id, technician__isnull=True, contractor__isnull=True, status=OrderStatus.DISPATCHED
        )
    return mine.select_related("customer").order_by(F("booked_for").asc(nulls_last=True), "arrival_due_at", "id")


@dataclass(frozen=True)
class Suggestion:
    technician: User
    score: int
    open_orders: int
    in_area: bool
    skilled: bool
    on_duty: bool | None  # None: no roster says either way

    @property
    def reasons(self) -> list[str]:
        out = [
            _("serves %(district)s") % {"district": self.district} if self.in_area else _("outside their service area"),
            _("qualified for this kind of work") if self.skilled else _("not listed as qualified for this kind"),
            _("%(n)s open orders") % {"n": self.open_orders},
        ]
        if self.on_duty is not None:
            out.append(_("on shift now") if self.on_duty else _("not on shift now"))
        return out

    district: str = ""


def suggestion_queryset(order: WorkOrder, *, at: datetime | None = None) -> QuerySet[User]:
    """One SQL query: the active technicians of the order's unit and the units below it, annotated
    with area, skill, open load and (when the duty app is installed) whether they are on shift, and
    ordered by the score those make."""
    at = at or timezone.now()
    load = (
        WorkOrder.objects.filter(technician=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("technician")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = User.objects.filter(role=Role.TECHNICIAN, is_active=True, unit__path__startswith=order.unit.path).annotate(
        open_orders=Coalesce(Subquery(load, output_field=IntegerField()), 0),
        in_area=Exists(ServiceArea.objects.filter(technician=OuterRef("pk"), district=order.district))
        if order.district
        else Value(False, output_field=BooleanField()),
        skilled=Exists(TechnicianSkill.objects.filter(technician=OuterRef("pk"), kind=order.kind)),
    )
    if apps.is_installed("kefu.duty"):
        from kefu.duty.selectors import on_duty_shifts

        units = list(OrgUnit.objects.filter(path__startswith=order.unit.path).values_list("pk", flat=True))
        qs = qs.annotate(on_duty=Exists(on_duty_shifts(units=units, at=at).filter(person=OuterRef("pk"))))
    else:
        qs = qs.annotate(on_duty=Value(False, output_field=BooleanField()))

    def flag(name: str, weight: int):
        return Case(When(**{name: True}, then=Value(weight)), default=Value(0), output_field=IntegerField())

    score = flag("in_area", W_AREA) + flag("skilled", W_SKILL) + flag("on_duty", W_ON_DUTY) - F("open_orders") * W_LOAD
    return qs.annotate(score=score).select_related("unit").order_by("-score", "open_orders", "username")


def dispatch_suggestions(order: WorkOrder, *, limit: int = 10, at: datetime | None = None) -> list[Suggestion]:
    """The best `limit` technicians for the order, each with the reasons shown on screen."""
    rostered = False
    if apps.is_installed("kefu.duty"):
        from kefu.duty.selectors import on_duty_shifts

        units = list(OrgUnit.objects.filter(path__startswith=order.unit.path).values_list("pk", flat=True))
        rostered = on_duty_shifts(units=units, at=at or timezone.now()).exists()
    return [
        Suggestion(
            technician=person,
            score=person.score,
            open_orders=person.open_orders,
            in_area=person.in_area,
            skilled=person.skilled,
            on_duty=person.on_duty if rostered else None,
            district=order.district,
        )
        for person in suggestion_queryset(order, at=at)[:limit]
    ]


def contracts_visible_to(user) -> QuerySet[MaintenanceContract]:
    """Maintenance contracts: all for the all-seeing roles, those of the unit and the units below it
    for supervisors and managers, none for anyone else. Expiring soonest first; ended ones last."""
    from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES

    qs = MaintenanceContract.objects.select_related("customer", "unit", "renewal_order")
    if not user.is_authenticated:
        return qs.none()
    if not (user.is_superuser or user.role in ALL_SEEING_ROLES):
        if user.role not in UNIT_SEEING_ROLES or not user.unit_id:
            return qs.none()
        qs = qs.filter(unit__path__startswith=user.unit.path)
    today = timezone.localdate()
    ended = Case(When(ends_on__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField())
    return qs.annotate(ended=ended).order_by("ended", "ends_on", "id")


def contract_orders(contract: MaintenanceContract) -> QuerySet[WorkOrder]:
    """Orders under the contract: for its equipment reported within its term, and its renewal visit."""
    from django.db.models import Q

    covered = Q(
        equipment__in=contract.equipment.all(),
        reported_at__date__gte=contract.starts_on,
        reported_at__date__lte=contract.ends_on,
    )
    if contract.renewal_order_id:
        covered |= Q(pk=contract.renewal_order_id)
    return WorkOrder.objects.filter(covered).select_related("technician").order_by("-reported_at", "-id").distinct()
