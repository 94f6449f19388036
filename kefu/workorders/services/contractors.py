"""Outside contractors (外包/协作单位; seed-004 管理职责 "装维外包管理", "对装维外包工作进行规范管理").

A supervisor of a unit keeps the unit's contractors (name, districts, kinds of work, contact,
active). Sending an order to a contractor needs the approval of the role the rulebook names
(`field_service.offsite.contractor_approver_role`, default `manager`: the service centre's manager):

    contractor_request (supervisor, reason) → inbox notice to the approvers
    contractor_decide  (approver: approve / refuse with a note) → history on the order
    only on approval: the order is dispatched to the contractor (status dispatched, no technician)

At most one request per order waits at a time (partial unique constraint).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.org.models import OrgUnit, User
from kefu.workorders.choices import EventKind, OrderKind, OrderStatus
from kefu.workorders.models import Contractor, ContractorRequest, RequestStatus, WorkOrder
from kefu.workorders.services.lifecycle import (
    _require_status,
    _require_supervisor,
    lock_order,
    record_event,
    section_for,
    supervises,
)

__all__ = ("contractor_approvers", "contractor_create", "contractor_decide", "contractor_request")

_DISPATCHABLE = (OrderStatus.NEW, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.BOOKED)


@transaction.atomic
def contractor_create(
    *,
    actor: User,
    unit: OrgUnit,
    name: str,
    areas: Iterable[str] = (),
    skills: Iterable[str] = (),
    contact_name: str = "",
    phone: str = "",
    active: bool = True,
) -> Contractor:
    if not supervises(actor, unit):
        raise ForbiddenError(_("Only a supervisor of %(unit)s may register its contractors.") % {"unit": unit.name})
    errors = FieldErrors()
    name = check_text(errors, "name", name, limit=100, required=True)
    contact_name = check_text(errors, "contact_name", contact_name, limit=50)
    phone = check_text(errors, "phone", phone, limit=30)
    areas = sorted({check_text(errors, "areas", a, limit=40, required=True) for a in areas})
    skills = sorted(set(skills))
    for kind in skills:
        if kind not in OrderKind.values:
            errors.add("skills", _("Unknown kind of work “%(kind)s”.") % {"kind": kind})
    if name and Contractor.objects.filter(unit=unit, name=name).exists():
        errors.add("name", _("%(unit)s already has a contractor of this name.") % {"unit": unit.name})
    errors.raise_if_any()
    return Contractor.objects.create(
        unit=unit,
        name=name,
        areas=areas,
        skills=skills,
        contact_name=contact_name,
        phone=phone,
        active=active,
        created_by=actor,
    )


def contractor_approvers(order: WorkOrder, role: str) -> list[User]:
    """Active people with the approving role in the order's unit or a unit above it."""
    ids = [int(part) for part in order.unit.path.strip("/").split("/") if part]
    return list(User.objects.filter(unit_id__in=ids, role=role, is_active=True).order_by("id"))


def _may_approve(actor: User, order: WorkOrder, role: str) -> bool:
    if actor.is_superuser:
        return True
    return actor.role == role and bool(actor.unit_id) and order.unit.path.startswith(actor.unit.path)


@transaction.atomic
def contractor_request(
    *, order: WorkOrder, actor: User, expected_version: int | None, contractor: Contractor, reason: str
) -> ContractorRequest:
    """A supervisor asks to send the order to an outside contractor; the approvers are told."""
    from kefu.sla.inbox import inbox_notify

    order = lock_order(order.pk, expected_version)
    _require_supervisor(order, actor)
    _require_status(order, _DISPATCHABLE, _("sent to a contractor"))
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=300, required=True)
    if not contractor.active:
        errors.add("contractor", _("%(name)s is no longer active.") % {"name": contractor.name})
    elif not order.unit.path.startswith(contractor.unit.path) and not contractor.unit.path.startswith(order.unit.path):
        errors.add(
            "contractor", _("%(name)s does not work for %(unit)s.") % {"name": contractor.name, "unit": order.unit}
        )
    if order.contractor_id == contractor.pk:
        errors.add("contractor", _("The order is already with %(name)s.") % {"name": contractor.name})
    errors.raise_if_any()
    role = section_for(order).offsite.contractor_approver_role
    try:
        with transaction.atomic():
            request = ContractorRequest.objects.create(
                order=order, contractor=contractor, reason=reason, approver_role=role, requested_by=actor
            )
    except IntegrityError:
        raise ConflictError(_("A request for this order is already waiting for approval.")) from None
    record_event(
        order,
        kind=EventKind.CONTRACTOR,
        actor=actor,
        note=reason,
        data={"request": request.pk, "contractor": contractor.pk, "step": "requested", "approver_role": role},
    )
    inbox_notify(
        recipients=contractor_approvers(order, role),
        kind="work",
        code="workorders.contractor_approval",
        params={"number": order.number, "contractor": contractor.name},
        url=f"/workorders/{order.pk}/",
        exclude=[actor],
    )
    return request


@transaction.atomic
def contractor_decide(
    *, request: ContractorRequest, actor: User, expected_version: int | None, approve: bool, note: str = ""
) -> ContractorRequest:
    """Approve (the order goes to the contractor now) or refuse (with a note; the order stays)."""
    from kefu.sla.inbox import inbox_notify

    order = lock_order(request.order_id, expected_version)
    request = ContractorRequest.objects.select_for_update().select_related("contractor").get(pk=request.pk)
    if not _may_approve(actor, order, request.approver_role):
        raise ForbiddenError(
            _("Only a %(role)s of %(unit)s may decide this request.")
            % {"role": _role_label(request.approver_role), "unit": order.unit.name}
        )
    if request.status != RequestStatus.PENDING:
        raise ApplicationError(_("This request was already decided."), extra={"status": [request.status]})
    errors = FieldErrors()
    note = check_text(errors, "note", note, limit=300, required=not approve)
    if approve:
        _require_status(order, _DISPATCHABLE, _("sent to a contractor"))
    errors.raise_if_any()
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    fields: list[str] = []
    previous = ""
    if approve:
        previous = order.status
        order.contractor = request.contractor
        order.technician = None
        order.status = OrderStatus.DISPATCHED
        order.dispatched_at = request.decided_at
        order.accepted_at = None
        order.booked_for = None
        fields = ["contractor", "technician", "dispatched_at", "accepted_at", "booked_for"]
    record_event(
        order,
        kind=EventKind.CONTRACTOR,
        actor=actor,
        fields=fields,
        from_status=previous,
        note=note,
        data={"request": request.pk, "contractor": request.contractor_id, "step": request.status},
    )
    inbox_notify(
        recipients=[request.requested_by],
        kind="work",
        code="workorders.contractor_decided",
        params={
            "number": order.number,
            "contractor": request.contractor.name,
            "decision": request.get_status_display(),
        },
        url=f"/workorders/{order.pk}/",
    )
    return request


def _role_label(role: str) -> str:
    from kefu.org.choices import Role

    return str(Role(role).label) if role in Role.values else role
