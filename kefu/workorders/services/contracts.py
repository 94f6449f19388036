"""Maintenance contracts (商品保养合同书, seed-004 D11 B and 15).

* A contract covers some of the customer's equipment for a term. A B (contract service) order for
  covered equipment is charged as the contract says: labour free, parts charged unless the contract
  includes them (D10 2.1(2)); without a contract in force on the report day, B is refused.
* D11 15: "保养合同期满前1个月，服务中心及分公司，应填具保养到期通知书寄与客户，并派员前往争取续约。"
  `contracts_expiry_notices` (daily beat) takes each contract whose end is within the rulebook's
  `contract_notice_days`, exactly once (conditional UPDATE … WHERE notice_sent_at IS NULL): the
  unit's supervisors are told in their inbox, and a renewal visit (an inspection order, D internal
  work) is registered for the customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.customers.models import Customer
from kefu.org.models import OrgUnit, User
from kefu.workorders.models import Equipment, MaintenanceContract, WorkOrder

__all__ = ("contract_create", "contract_for", "contract_renew", "contracts_expiry_notices")


@transaction.atomic
def contract_create(
    *,
    actor: User,
    number: str,
    customer: Customer,
    unit: OrgUnit,
    starts_on: date,
    ends_on: date,
    equipment: Iterable[Equipment] = (),
    service_level: str = "",
    parts_free: bool = False,
) -> MaintenanceContract:
    from kefu.workorders.services.lifecycle import supervises

    if not supervises(actor, unit):
        raise ForbiddenError(_("Only a supervisor of %(unit)s may register its contracts.") % {"unit": unit.name})
    errors = FieldErrors()
    number = check_text(errors, "number", number, limit=40, required=True)
    service_level = check_text(errors, "service_level", service_level, limit=200)
    equipment = list(equipment)
    if ends_on < starts_on:
        errors.add("ends_on", _("The contract cannot end before it starts."))
    if any(e.customer_id != customer.pk for e in equipment):
        errors.add("equipment", _("This equipment belongs to another customer."))
    if number and MaintenanceContract.objects.filter(number=number).exists():
        errors.add("number", _("A contract with this number exists."))
    errors.raise_if_any()
    contract = MaintenanceContract.objects.create(
        number=number,
        customer=customer,
        unit=unit,
        starts_on=starts_on,
        ends_on=ends_on,
        service_level=service_level,
        parts_free=parts_free,
        created_by=actor,
    )
    contract.equipment.set(equipment)
    return contract


@transaction.atomic
def contract_renew(
    *,
    actor: User,
    contract: MaintenanceContract,
    number: str,
    ends_on: date,
    equipment: Iterable[Equipment] | None = None,
    service_level: str | None = None,
    parts_free: bool | None = None,
) -> MaintenanceContract:
    """The customer renewed (续约, D11 15): a new contract from the day after the old one ends, for
    the same equipment and terms unless given. A contract is renewed once (unique `renewed_from`)."""
    old = MaintenanceContract.objects.select_for_update().get(pk=contract.pk)
    if MaintenanceContract.objects.filter(renewed_from=old).exists():
        raise ConflictError(_("Contract %(number)s was already renewed.") % {"number": old.number})
    new = contract_create(
        actor=actor,
        number=number,
        customer=old.customer,
        unit=old.unit,
        starts_on=old.ends_on + timedelta(days=1),
        ends_on=ends_on,
        equipment=old.equipment.all() if equipment is None else equipment,
        service_level=old.service_level if service_level is None else service_level,
        parts_free=old.parts_free if parts_free is None else parts_free,
    )
    new.renewed_from = old
    new.save(update_fields=["renewed_from", "updated_at"])
    return new


def contract_for(order: WorkOrder) -> MaintenanceContract | None:
    """The contract in force on the report day that covers the order's equipment."""
    if order.equipment_id is None:
        return None
    day = timezone.localtime(order.reported_at).date()
    return (
        MaintenanceContract.objects.filter(equipment=order.equipment_id, starts_on__lte=day, ends_on__gte=day)
        .order_by("-ends_on")
        .first()
    )


def contracts_expiry_notices(*, now: datetime | None = None, notice_days: int | None = None) -> int:
    """Send each expiring contract's notice once; returns how many were sent."""
    from kefu.rulebooks.selectors import rulebook_for_new_case
    from kefu.sla.inbox import inbox_notify
    from kefu.workorders.rules import DEFAULT_SECTION
    from kefu.workorders.services.clock import _supervisors
    from kefu.workorders.services.lifecycle import workorder_create

    now = now or timezone.now()
    if notice_days is None:
        section = rulebook_for_new_case().doc.section("field_service") or DEFAULT_SECTION
        notice_days = section.contract_notice_days
    horizon = timezone.localtime(now).date() + timedelta(days=notice_days)
    due = list(
        MaintenanceContract.objects.filter(
            notice_sent_at__isnull=True, ends_on__lte=horizon, ends_on__gte=timezone.localtime(now).date()
        ).values_list("pk", flat=True)[:500]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            if not MaintenanceContract.objects.filter(pk=pk, notice_sent_at__isnull=True).update(notice_sent_at=now):
                continue
            contract = MaintenanceContract.objects.select_related("unit", "customer", "created_by").get(pk=pk)
            order, _created = workorder_create(
                actor=contract.created_by,
                kind="inspection",
                customer=contract.customer,
                description=_(
                    "Maintenance contract %(number)s ends on %(end)s: visit the customer to renew it (D11 15)."
                )
                % {"number": contract.number, "end": contract.ends_on.isoformat()},
                unit=contract.unit,
                service_type="D",
                reported_at=now,
            )
            contract.renewal_order = order
            contract.save(update_fields=["renewal_order", "updated_at"])
            inbox_notify(
                recipients=_supervisors(order),
                kind="work",
                code="workorders.contract_expiring",
                params={"number": contract.number, "end": contract.ends_on.isoformat(), "order": order.number},
                url=f"/workorders/{order.pk}/",
            )
            sent += 1
    return sent
