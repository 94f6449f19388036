"""The work order's lifecycle (seed-004 D11 steps 3–8, D10 2.2):

    new → dispatched → accepted → booked → on_the_way → on_site → completed → closed
    (any open status) → cancelled, with a reason

Dispatch is the supervisor's (服务主任派工); a technician accepts, books the visit with the customer
(D10 2.2 step 2, 约定上门服务时间; re-booking needs a reason), checks in on departure and arrival,
records findings, work, parts and the old and new terminal/SIM numbers (篇5/篇8), and completes with
the customer's signature (D10 step 7, D11 step 4) or a waiver a supervisor approved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.customers.models import Customer
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.workorders.choices import (
    OPEN_STATUSES,
    SUPERVISING_ROLES,
    EventKind,
    OrderKind,
    OrderStatus,
    ServiceType,
)
from kefu.workorders.models import Equipment, OrderCounter, OrderIdempotency, WorkOrder, WorkOrderEvent
from kefu.workorders.rules import DEFAULT_SECTION, FieldServiceSection

__all__ = (
    "lock_order",
    "record_event",
    "section_for",
    "supervises",
    "workorder_accept",
    "workorder_book",
    "workorder_cancel",
    "workorder_check_in",
    "workorder_close",
    "workorder_create",
    "workorder_dispatch",
)


# ---------------------------------------------------------------------------------------------- helpers


def supervises(user: Any, unit: OrgUnit) -> bool:
    """A supervisor (服务主任) of `unit`: a supervising role in the unit or a unit above it."""
    if user.is_superuser:
        return True
    if not user.is_authenticated or user.role not in SUPERVISING_ROLES:
        return False
    if user.sees_everything:
        return True
    return bool(user.unit_id and unit.path.startswith(user.unit.path))


def section_for(order: WorkOrder) -> FieldServiceSection:
    """The `field_service` section of the version the order was created under (defaults without one)."""
    return order.rulebook_version.doc.section("field_service") or DEFAULT_SECTION


def lock_order(order_id: int, expected_version: int | None) -> WorkOrder:
    order = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("unit", "rulebook_version").get(pk=order_id)
    )
    if expected_version is not None and order.version != expected_version:
        raise ConflictError(
            _("Work order %(number)s was changed by someone else (now version %(now)s, you saw %(saw)s); reload it.")
            % {"number": order.number, "now": order.version, "saw": expected_version}
        )
    return order


def record_event(
    order: WorkOrder,
    *,
    kind: str,
    actor: User | None,
    fields: Sequence[str] = (),
    from_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> WorkOrderEvent:
    """Bump the version, save `fields` (+ status when it changed) and write the history row."""
    order.version += 1
    update = {*fields, "version", "updated_at"}
    if from_status and from_status != order.status:
        update.add("status")
    order.save(update_fields=sorted(update))
    return WorkOrderEvent.objects.create(
        order=order,
        version=order.version,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=order.status if from_status else "",
        note=note[:300],
        data=data or {},
    )


def _require_status(order: WorkOrder, allowed: Sequence[str], action: str) -> None:
    if order.status not in allowed:
        raise ApplicationError(
            _("Work order %(number)s is “%(status)s”: it cannot be %(action)s now.")
            % {"number": order.number, "status": order.get_status_display(), "action": action},
            extra={"status": [order.status]},
        )


def _require_technician(order: WorkOrder, actor: User) -> None:
    if order.technician_id != actor.pk:
        raise ForbiddenError(_("Only the technician the order is assigned to may do this."))


def _require_supervisor(order: WorkOrder, actor: User) -> None:
    if not supervises(actor, order.unit):
        raise ForbiddenError(
            _("Only a supervisor of %(unit)s may do this to its work orders.") % {"unit": order.unit.name}
        )


def _number(when: datetime) -> str:
    """'WO' + yymm + a five-digit serial; the prefix row is locked, so numbers are unique and a
    rolled-back creation gives its serial back (no gaps)."""
    prefix = "WO" + timezone.localtime(when).strftime("%y%m")
    OrderCounter.objects.bulk_create([OrderCounter(prefix=prefix, last=0)], ignore_conflicts=True)
    counter = OrderCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:05d}"


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _claim_key(*, actor: User, key: str, digest: str) -> tuple[OrderIdempotency, bool]:
    try:
        with transaction.atomic():
            return OrderIdempotency.objects.create(user=actor, key=key, request_hash=digest), True
    except IntegrityError:
        record = OrderIdempotency.objects.select_for_update().get(user=actor, key=key)
        if record.request_hash != digest or record.order_id is None:
            raise ConflictError(
                _("This Idempotency-Key was already used for a different request."),
                extra={"idempotency_key": [_("Use a new key for a new request.")]},
            ) from None
        return record, False


# ---------------------------------------------------------------------------------------------- create


def _earlier_fault(order: WorkOrder) -> WorkOrder | None:
    """The latest completed order for the same customer and equipment within the rulebook's
    `repeat_fault_days` before this report: a repeat fault (marked for the technician's appraisal)."""
    days = section_for(order).repeat_fault_days
    if order.equipment_id is None or days <= 0:
        return None
    return (
        WorkOrder.objects.filter(
            customer_id=order.customer_id,
            equipment_id=order.equipment_id,
            status__in=[OrderStatus.COMPLETED, OrderStatus.CLOSED],
            completed_at__gte=order.reported_at - timedelta(days=days),
            completed_at__lte=order.reported_at,
        )
        .order_by("-completed_at")
        .first()
    )


@transaction.atomic
def workorder_create(
    *,
    actor: User,
    kind: str,
    customer: Customer,
    description: str,
    unit: OrgUnit | None = None,
    address: str = "",
    district: str = "",
    service_type: str = "",
    equipment: Equipment | None = None,
    case: Any = None,
    urgent: bool = False,
    reported_at: datetime | None = None,
    rule_key: str = "",
    rulebook_key: str | None = None,
    idempotency_key: str = "",
) -> tuple[WorkOrder, bool]:
    """Register a work order (报修登记), directly or from a case. Returns (order, created).

    From a case: the case's customer, responsible unit and pinned rulebook version are used and the
    clock starts when the case was received (the customer's call is the report, D11 step 14).
    Without a service type: C when the equipment is in its guarantee period, else A.
    """
    from kefu.workorders.services.clock import arrival_deadline
    from kefu.workorders.services.repair_clock import repair_clock_start

    record = None
    if idempotency_key:
        digest = request_hash(
            {
                "kind": kind,
                "customer": customer.pk,
                "description": description,
                "unit": getattr(unit, "pk", None),
                "address": address,
                "district": district,
                "service_type": service_type,
                "equipment": getattr(equipment, "pk", None),
                "case": getattr(case, "pk", None),
                "urgent": urgent,
                "rulebook": rulebook_key,
            }
        )
        record, first = _claim_key(actor=actor, key=idempotency_key, digest=digest)
        if not first:
            return record.order, False

    errors = FieldErrors()
    now = timezone.now()
    description = check_text(errors, "description", description, limit=2000, required=True)
    address = check_text(errors, "address", address, limit=300)
    district = check_text(errors, "district", district, limit=40)
    if kind not in OrderKind.values:
        errors.add("kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(OrderKind.values)})
    if case is not None:
        from kefu.cases.models import Case

        if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
            raise ForbiddenError(_("You cannot see this case."))
        if case.customer_id != customer.pk:
            errors.add("customer", _("The case is about another customer."))
        version = case.rulebook_version
        reported_at = reported_at or case.received_at
        unit = unit or case.responsible_unit or case.receiving_unit
    else:
        from kefu.rulebooks.selectors import rulebook_for_new_case

        version = rulebook_for_new_case(rulebook_key)
    unit = unit or actor.unit
    if unit is None:
        errors.add("unit", _("Choose the unit that will do the work."))
    if equipment is not None and equipment.customer_id != customer.pk:
        errors.add("equipment", _("This equipment belongs to another customer."))
    reported_at = reported_at or now
    if reported_at > now:
        errors.add("reported_at", _("The report cannot be in the future."))
    in_warranty = bool(equipment and equipment.warranty_end and equipment.warranty_end >= reported_at.date())
    if not service_type:
        service_type = ServiceType.C if in_warranty else ServiceType.A
    elif service_type not in ServiceType.values:
        errors.add("service_type", _("Choose one of: %(choices)s.") % {"choices": ", ".join(ServiceType.values)})
    elif service_type == ServiceType.C and not in_warranty:
        errors.add(
            "service_type",
            _("Free service (C) is for equipment in its guarantee period; this equipment's warranty has ended.")
            if equipment and equipment.warranty_end
            else _("Free service (C) needs the equipment and its warranty end date."),
        )
    if service_type == ServiceType.B and not errors.fields.get("service_type"):
        from kefu.workorders.services.contracts import contract_for

        probe = WorkOrder(equipment=equipment, reported_at=reported_at)
        if contract_for(probe) is None:
            errors.add(
                "service_type", _("Contract service (B) needs a maintenance contract in force for this equipment.")
            )
    if not address:
        first = customer.addresses.order_by("id").first()
        address = first.line if first else ""
        district = district or (first.district if first else "")
        if not address:
            errors.add("address", _("Where is the work to be done?"))
    errors.raise_if_any()

    order = WorkOrder(
        number=_number(now),
        kind=kind,
        service_type=service_type,
        urgent=urgent,
        customer=customer,
        address=address,
        district=district,
        region=customer.region,
        equipment=equipment,
        case=case,
        rule_key=rule_key,
        rulebook_version=version,
        description=description,
        unit=unit,
        created_by=actor,
        reported_at=reported_at,
    )
    order.arrival_due_at = arrival_deadline(order)
    repair_clock_start(order, trigger="report", at=reported_at)
    order.repeat_of = _earlier_fault(order)
    order.save()
    WorkOrderEvent.objects.create(
        order=order,
        version=order.version,
        kind=EventKind.CREATED,
        actor=actor,
        to_status=order.status,
        data={"case": case.pk if case else None, "rule": rule_key, "repeat_of": order.repeat_of_id},
    )
    if record is not None:
        record.order = order
        record.save(update_fields=["order"])
    return order, True


# ---------------------------------------------------------------------------------------------- dispatch


@transaction.atomic
def workorder_dispatch(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    technician: User | None = None,
    team: OrgUnit | None = None,
    reason: str = "",
) -> WorkOrder:
    """Assign a technician (or put the order in a team's queue, where the first technician of the
    team to accept takes it). Re-dispatching an order already dispatched needs a reason."""
    order = lock_order(order.pk, expected_version)
    _require_supervisor(order, actor)
    _require_status(
        order, [OrderStatus.NEW, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.BOOKED], _("dispatched")
    )
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=300, required=order.status != OrderStatus.NEW)
    if (technician is None) == (team is None):
        errors.add("technician", _("Choose a technician or a team (one of them)."))
    if technician is not None:
        if technician.role != Role.TECHNICIAN or not technician.is_active:
            errors.add("technician", _("%(name)s is not an active technician.") % {"name": technician})
        elif technician.unit is None or not technician.unit.path.startswith(order.unit.path):
            errors.add(
                "technician",
                _("%(name)s does not work in %(unit)s or a unit below it.") % {"name": technician, "unit": order.unit},
            )
    if team is not None and not team.path.startswith(order.unit.path):
        errors.add("team", _("%(team)s is not in %(unit)s.") % {"team": team, "unit": order.unit})
    errors.raise_if_any()

    previous = order.status
    old_technician = order.technician_id
    order.technician = technician
    if team is not None:
        order.unit = team
    else:
        order.unit = technician.unit
    order.status = OrderStatus.DISPATCHED
    order.dispatched_at = timezone.now()
    order.accepted_at = None
    order.booked_for = None
    from kefu.workorders.services.repair_clock import repair_clock_start

    started = repair_clock_start(order, trigger="dispatch", at=order.dispatched_at)
    record_event(
        order,
        kind=EventKind.DISPATCHED,
        actor=actor,
        fields=["technician", "unit", "dispatched_at", "accepted_at", "booked_for", *started],
        from_status=previous,
        note=reason,
        data={"technician": getattr(technician, "pk", None), "team": getattr(team, "pk", None), "was": old_technician},
    )
    _notify_dispatch(order)
    return order


def _notify_dispatch(order: WorkOrder) -> None:
    from kefu.sla.inbox import inbox_notify

    if order.technician_id:
        people = [order.technician]
    else:
        people = User.objects.filter(unit=order.unit, role=Role.TECHNICIAN, is_active=True)
    inbox_notify(
        recipients=people,
        kind="work",
        code="workorders.dispatched",
        params={"number": order.number},
        url=f"/workorders/{order.pk}/",
        due_at=order.arrival_due_at,
    )


@transaction.atomic
def workorder_accept(*, order: WorkOrder, actor: User, expected_version: int | None) -> WorkOrder:
    """The technician takes the job — their own, or one from their team's queue."""
    order = lock_order(order.pk, expected_version)
    _require_status(order, [OrderStatus.DISPATCHED], _("accepted"))
    if order.contractor_id:  # sent to an outside contractor: not in the team's queue
        raise ForbiddenError(_("This order was sent to an outside contractor."))
    if order.technician_id is None:
        if actor.role != Role.TECHNICIAN or actor.unit_id != order.unit_id:
            raise ForbiddenError(_("Only a technician of %(unit)s may take this order.") % {"unit": order.unit.name})
        order.technician = actor
    else:
        _require_technician(order, actor)
    previous = order.status
    order.status = OrderStatus.ACCEPTED
    order.accepted_at = timezone.now()
    record_event(
        order, kind=EventKind.ACCEPTED, actor=actor, fields=["technician", "accepted_at"], from_status=previous
    )
    return order


@transaction.atomic
def workorder_book(
    *, order: WorkOrder, actor: User, expected_version: int | None, visit_at: datetime, reason: str = ""
) -> WorkOrder:
    """Book the visit agreed with the customer (约定上门服务时间); a new time needs a reason."""
    order = lock_order(order.pk, expected_version)
    _require_technician(order, actor)
    _require_status(order, [OrderStatus.ACCEPTED, OrderStatus.BOOKED], _("booked"))
    errors = FieldErrors()
    rebooking = order.status == OrderStatus.BOOKED
    reason = check_text(errors, "reason", reason, limit=300, required=rebooking)
    if visit_at < timezone.now() - timedelta(minutes=5):
        errors.add("visit_at", _("The visit cannot be in the past."))
    errors.raise_if_any()
    previous = order.status
    old = order.booked_for
    order.status = OrderStatus.BOOKED
    order.booked_for = visit_at
    record_event(
        order,
        kind=EventKind.REBOOKED if rebooking else EventKind.BOOKED,
        actor=actor,
        fields=["booked_for"],
        from_status=previous,
        note=reason,
        data={"visit_at": visit_at.isoformat(), "was": old.isoformat() if old else None},
    )
    return order


@transaction.atomic
def workorder_check_in(
    *, order: WorkOrder, actor: User, expected_version: int | None, step: str, at: datetime | None = None
) -> WorkOrder:
    """`step` "depart" (set off) or "arrive" (on site). Arriving stops the arrival clock; if it was
    paused for the customer, the pause ends at arrival."""
    from kefu.workorders.services.clock import end_pause

    order = lock_order(order.pk, expected_version)
    _require_technician(order, actor)
    now = at or timezone.now()
    previous = order.status
    if step == "depart":
        _require_status(order, [OrderStatus.ACCEPTED, OrderStatus.BOOKED], _("set off for"))
        order.status = OrderStatus.ON_THE_WAY
        order.departed_at = now
        record_event(order, kind=EventKind.DEPARTED, actor=actor, fields=["departed_at"], from_status=previous)
    elif step == "arrive":
        _require_status(order, [OrderStatus.ACCEPTED, OrderStatus.BOOKED, OrderStatus.ON_THE_WAY], _("arrived at"))
        fields = ["arrived_at"]
        if order.paused_at is not None:
            fields += end_pause(order, now)
        order.status = OrderStatus.ON_SITE
        order.arrived_at = now
        late = now > order.arrival_due_at
        record_event(
            order, kind=EventKind.ARRIVED, actor=actor, fields=fields, from_status=previous, data={"late": late}
        )
    else:
        raise ApplicationError(_("Unknown check-in step."), extra={"step": [_("Use “depart” or “arrive”.")]})
    return order


@transaction.atomic
def workorder_close(*, order: WorkOrder, actor: User, expected_version: int | None) -> WorkOrder:
    """The supervisor files the completed order (the 报修登记簿 entry is cancelled)."""
    order = lock_order(order.pk, expected_version)
    _require_supervisor(order, actor)
    _require_status(order, [OrderStatus.COMPLETED], _("closed"))
    previous = order.status
    order.status = OrderStatus.CLOSED
    order.closed_at = timezone.now()
    record_event(order, kind=EventKind.CLOSED, actor=actor, fields=["closed_at"], from_status=previous)
    return order


@transaction.atomic
def workorder_cancel(*, order: WorkOrder, actor: User, expected_version: int | None, reason: str) -> WorkOrder:
    """Cancel an open order with a reason (supervisor of the unit, or whoever registered it before
    it was dispatched). Orders are never deleted."""
    order = lock_order(order.pk, expected_version)
    if not supervises(actor, order.unit) and not (order.created_by_id == actor.pk and order.status == OrderStatus.NEW):
        raise ForbiddenError(_("Only a supervisor of %(unit)s may cancel this order.") % {"unit": order.unit.name})
    _require_status(order, sorted(OPEN_STATUSES - {OrderStatus.TAKEN_BACK}), _("cancelled"))  # goods first back
    errors = FieldErrors()
    order.cancel_reason = check_text(errors, "reason", reason, limit=300, required=True)
    errors.raise_if_any()
    previous = order.status
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = timezone.now()
    record_event(
        order,
        kind=EventKind.CANCELLED,
        actor=actor,
        fields=["cancel_reason", "cancelled_at"],
        from_status=previous,
        note=order.cancel_reason,
    )
    return order
