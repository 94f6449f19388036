"""Take-back repairs (送修/带回维修), seed-004 D10 2.2(4)(5) and D11 6–9.

D10 2.2(4): "确属无法当场处理妥当之项目，服务人员应耐心向客户说明，并承诺完成时间，然后将需带回本公司或
分公司处理之零组件、产品取回。" (5): "取回零组件、产品应与客户办妥书面交接手续，同时按时处理完成交还客户".
D11 6: the technician gives the customer a 客户商品领取收据, has the customer sign, hands the goods in,
they are entered in the 客户商品进出登记簿 and a 修护卡 is filled in. D11 7: time spent and parts on the
card; after the supervisor's inspection (主任验讫) the return day goes into the register, the customer
signs, the receipt is taken back and cancelled. D11 8: a paid repair is invoiced on the day of return.
D11 9: "凡待修商品，不能按原定时间修妥者，技术员应即报请服务主任予以协助。"

    on_site ──takeback_receive──▶ taken_back (in_repair ⇄ at_supplier → inspection → ready) ──takeback_return──▶ completed
                                                 ▲                       │ fail (reason)
                                                 └───────────────────────┘

Every step locks the order, checks the version the caller saw, bumps it and writes the order's
history row, like the on-site steps. Each movement of the goods is a new register row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.org.models import User
from kefu.workorders.choices import EventKind, OrderStatus
from kefu.workorders.models import (
    GoodsMovement,
    MovementKind,
    OrderCounter,
    PartLine,
    RepairEntry,
    TakeBack,
    TakeBackStatus,
    WorkOrder,
)
from kefu.workorders.services.completion import _check_signature, _money, _refresh_fee, part_lines
from kefu.workorders.services.lifecycle import (
    _require_status,
    _require_supervisor,
    lock_order,
    record_event,
    section_for,
    supervises,
)

__all__ = (
    "takeback_inspect",
    "takeback_move",
    "takeback_receive",
    "takeback_record_repair",
    "takeback_return",
    "takebacks_flag_late",
)

# Where the goods may go from each state, and the state they are in afterwards.
_MOVES = {
    MovementKind.TO_SUPPLIER: ({TakeBackStatus.IN_REPAIR}, TakeBackStatus.AT_SUPPLIER),
    MovementKind.FROM_SUPPLIER: ({TakeBackStatus.AT_SUPPLIER}, TakeBackStatus.IN_REPAIR),
}


def _receipt_number(when: datetime) -> str:
    """'QJ' + yymm + five digits (取件单), from the same locked-counter table as the order numbers."""
    prefix = "QJ" + timezone.localtime(when).strftime("%y%m")
    OrderCounter.objects.bulk_create([OrderCounter(prefix=prefix, last=0)], ignore_conflicts=True)
    counter = OrderCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:05d}"


def _promised_day(order: WorkOrder, now: datetime):
    from kefu.workorders.services.clock import _engine

    days = section_for(order).offsite.return_working_days
    try:
        return timezone.localtime(_engine(order).add_working_days(now, days)).date()
    except Exception as exc:  # ScheduleMissing: no schedule for the year
        raise ApplicationError(
            _("The working calendar has no schedule for this date; ask an administrator to add the year."),
            extra={"promised_on": [str(exc)]},
        ) from exc


def _move(takeback: TakeBack, *, kind: str, actor: User, note: str = "", corrects: GoodsMovement | None = None):
    last = takeback.movements.aggregate(m=Max("seq"))["m"] or 0
    return GoodsMovement.objects.create(
        takeback=takeback, seq=last + 1, kind=kind, note=note, actor=actor, corrects=corrects
    )


def _locked(order: WorkOrder, expected_version: int | None) -> tuple[WorkOrder, TakeBack]:
    order = lock_order(order.pk, expected_version)
    _require_status(order, [OrderStatus.TAKEN_BACK], _("changed as a take-back repair"))
    return order, TakeBack.objects.get(order=order)


def _require_workshop(order: WorkOrder, actor: User) -> None:
    """The order's technician or a supervisor of its unit (the workshop is the unit's)."""
    if order.technician_id != actor.pk and not supervises(actor, order.unit):
        raise ForbiddenError(_("Only the order's technician or a supervisor of its unit may do this."))


@transaction.atomic
def takeback_receive(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    items: str,
    condition: str,
    accessories: str = "",
    signature: str,
    reason: str,
) -> TakeBack:
    """The fault cannot be repaired on site: the technician takes the goods, gives the customer the
    receipt (取件单) with the promised return day, and the customer signs it."""
    order = lock_order(order.pk, expected_version)
    if order.technician_id != actor.pk:
        raise ForbiddenError(_("Only the technician the order is assigned to may do this."))
    _require_status(order, [OrderStatus.ON_SITE], _("taken back for repair"))
    errors = FieldErrors()
    items = check_text(errors, "items", items, limit=1000, required=True)
    condition = check_text(errors, "condition", condition, limit=500, required=True)
    accessories = check_text(errors, "accessories", accessories, limit=500)
    reason = check_text(errors, "reason", reason, limit=300, required=True)
    signature = _check_signature(errors, signature)
    if not signature and "signature" not in errors.fields:
        errors.add("signature", _("The customer must sign the receipt for the goods taken."))
    errors.raise_if_any()
    now = timezone.now()
    takeback = TakeBack.objects.create(
        order=order,
        number=_receipt_number(now),
        items=items,
        condition=condition,
        accessories=accessories,
        promised_on=_promised_day(order, now),
        customer_signature=signature,
        received_by=actor,
    )
    _move(takeback, kind=MovementKind.RECEIVED, actor=actor, note=condition[:300])
    _move(takeback, kind=MovementKind.TO_WORKSHOP, actor=actor)
    previous = order.status
    order.status = OrderStatus.TAKEN_BACK
    record_event(
        order,
        kind=EventKind.TAKEN_BACK,
        actor=actor,
        from_status=previous,
        note=reason,
        data={"receipt": takeback.number, "promised_on": takeback.promised_on.isoformat()},
    )
    return takeback


@transaction.atomic
def takeback_move(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    kind: str,
    note: str = "",
    corrects: int | None = None,
) -> GoodsMovement:
    """Register a movement of the goods: to the supplier and back, or a correction of an earlier line
    (the register is never edited: the correction names the line it corrects and says why)."""
    order, takeback = _locked(order, expected_version)
    _require_workshop(order, actor)
    errors = FieldErrors()
    note = check_text(
        errors, "note", note, limit=300, required=kind in (MovementKind.TO_SUPPLIER, MovementKind.CORRECTION)
    )
    corrected = None
    if kind == MovementKind.CORRECTION:
        corrected = takeback.movements.filter(seq=corrects).first() if corrects else None
        if corrected is None:
            errors.add("corrects", _("Name the line of the register this corrects."))
    elif kind not in _MOVES:
        errors.add(
            "kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join([*_MOVES, MovementKind.CORRECTION])}
        )
    elif takeback.status not in _MOVES[kind][0]:
        errors.add(
            "kind",
            _("The goods are “%(status)s”: they cannot be “%(kind)s” now.")
            % {"status": takeback.get_status_display(), "kind": MovementKind(kind).label},
        )
    errors.raise_if_any()
    movement = _move(takeback, kind=kind, actor=actor, note=note, corrects=corrected)
    if kind in _MOVES:
        takeback.status = _MOVES[kind][1]
        takeback.save(update_fields=["status", "updated_at"])
    record_event(order, kind=EventKind.TAKEBACK, actor=actor, note=note, data={"movement": movement.seq, "kind": kind})
    return movement


@transaction.atomic
def takeback_record_repair(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    minutes: Any,
    findings: str,
    parts: Sequence[dict[str, Any]] = (),
    finished: bool = False,
) -> RepairEntry:
    """A line of the repair card (修护卡): time spent, findings and work, parts (priced like on-site
    parts, so the fee is the same as on site). `finished` sends the goods to the supervisor's inspection."""
    order, takeback = _locked(order, expected_version)
    _require_workshop(order, actor)
    errors = FieldErrors()
    findings = check_text(errors, "findings", findings, limit=2000, required=True)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= 24 * 60:
        errors.add("minutes", _("Enter the minutes spent: a whole number from 1 to 1440."))
    if takeback.status != TakeBackStatus.IN_REPAIR:
        errors.add(
            "finished",
            _("The goods are “%(status)s”: the repair card can be written only while they are in the workshop.")
            % {"status": takeback.get_status_display()},
        )
    lines = part_lines(errors, parts, order=order, actor=actor)
    errors.raise_if_any()
    PartLine.objects.bulk_create(lines)
    entry = RepairEntry.objects.create(takeback=takeback, technician=actor, minutes=minutes, findings=findings)
    if finished:
        takeback.status = TakeBackStatus.INSPECTION
        takeback.save(update_fields=["status", "updated_at"])
    if not order.actions.strip():
        order.actions = findings
    fields = ["actions", *_refresh_fee(order)]
    record_event(
        order,
        kind=EventKind.TAKEBACK,
        actor=actor,
        fields=fields,
        data={
            "repair": entry.pk,
            "minutes": minutes,
            "finished": finished,
            "parts": [{"name": p.name, "quantity": p.quantity, "unit_price": str(p.unit_price)} for p in lines],
        },
    )
    return entry


@transaction.atomic
def takeback_inspect(
    *, order: WorkOrder, actor: User, expected_version: int | None, passed: bool, reason: str = ""
) -> TakeBack:
    """The supervisor's inspection (主任验讫): pass → ready to return; fail with a reason → back to
    the workshop (a register line says so) for another round."""
    order, takeback = _locked(order, expected_version)
    _require_supervisor(order, actor)
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=300, required=not passed)
    if takeback.status != TakeBackStatus.INSPECTION:
        errors.add(
            "passed",
            _("The repair is not waiting for inspection (it is “%(status)s”).")
            % {"status": takeback.get_status_display()},
        )
    errors.raise_if_any()
    takeback.inspected_by = actor
    takeback.inspected_at = timezone.now()
    if passed:
        takeback.status = TakeBackStatus.READY
    else:
        takeback.status = TakeBackStatus.IN_REPAIR
        takeback.failed_inspections += 1
        _move(takeback, kind=MovementKind.TO_WORKSHOP, actor=actor, note=reason)
    takeback.save(update_fields=["status", "inspected_by", "inspected_at", "failed_inspections", "updated_at"])
    record_event(order, kind=EventKind.TAKEBACK, actor=actor, note=reason, data={"inspection": bool(passed)})
    return takeback


@transaction.atomic
def takeback_return(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    signature: str,
    fee_collected: Any = "0",
    invoice_no: str = "",
) -> WorkOrder:
    """Give the repaired goods back: the customer signs, the receipt is taken back and cancelled, the
    register gets the return line, and a charged repair is invoiced today — the day of return (D11 8).
    The order is completed."""
    order, takeback = _locked(order, expected_version)
    _require_workshop(order, actor)
    errors = FieldErrors()
    signature = _check_signature(errors, signature)
    if not signature and "signature" not in errors.fields:
        errors.add("signature", _("The customer must sign for the goods returned."))
    if takeback.status != TakeBackStatus.READY:
        errors.add(
            "signature",
            _("The repair has not passed the supervisor's inspection yet (it is “%(status)s”).")
            % {"status": takeback.get_status_display()},
        )
    collected = _money(errors, "fee_collected", fee_collected)
    fields = _refresh_fee(order)
    if collected > order.fee_total:
        errors.add(
            "fee_collected", _("More than the fee (%(fee)s yuan) cannot be collected.") % {"fee": order.fee_total}
        )
    invoice_no = check_text(errors, "invoice_no", invoice_no, limit=40, required=order.fee_total > 0)
    errors.raise_if_any()
    now = timezone.now()
    _move(takeback, kind=MovementKind.RETURNED, actor=actor)
    takeback.status = TakeBackStatus.RETURNED
    takeback.returned_at = now
    takeback.receipt_cancelled_at = now
    takeback.save(update_fields=["status", "returned_at", "receipt_cancelled_at", "updated_at"])
    previous = order.status
    order.signature = signature
    order.fee_collected = collected
    order.invoice_no = invoice_no
    order.invoice_date = timezone.localdate(now) if invoice_no else None
    order.status = OrderStatus.COMPLETED
    order.completed_at = now
    record_event(
        order,
        kind=EventKind.COMPLETED,
        actor=actor,
        fields=[*fields, "signature", "fee_collected", "invoice_no", "invoice_date", "completed_at"],
        from_status=previous,
        data={
            "fee": str(order.fee_total),
            "collected": str(collected),
            "receipt": takeback.number,
            "returned": True,
            "repair_late": bool(order.repair_due_at and now > order.repair_due_at),
        },
    )
    if order.case_id:
        from kefu.workorders.subscribers import note_completion_on_case

        note_completion_on_case(order, actor=actor)
    from kefu.workorders.events import order_finished  # as on-site completion: the return-visit seam

    order_finished(order)
    return order


def takebacks_flag_late(*, now: datetime | None = None) -> int:
    """Daily: each take-back not returned by its promised day is reported to the supervisors once
    (D11 9): a conditional UPDATE … WHERE late_at IS NULL claims it, so two sweeps tell nobody twice."""
    from kefu.sla.inbox import inbox_notify
    from kefu.workorders.services.clock import _supervisors

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    due = list(
        TakeBack.objects.filter(late_at__isnull=True, promised_on__lt=today)
        .exclude(status=TakeBackStatus.RETURNED)
        .values_list("pk", flat=True)[:500]
    )
    flagged = 0
    for pk in due:
        with transaction.atomic():
            claimed = (
                TakeBack.objects.filter(pk=pk, late_at__isnull=True)
                .exclude(status=TakeBackStatus.RETURNED)
                .update(late_at=now)
            )
            if not claimed:
                continue
            takeback = TakeBack.objects.select_related("order__unit", "order__technician").get(pk=pk)
            order = takeback.order
            inbox_notify(
                recipients=[*_supervisors(order), *([order.technician] if order.technician_id else [])],
                kind="overdue",
                code="workorders.takeback_late",
                params={
                    "number": order.number,
                    "receipt": takeback.number,
                    "promised": takeback.promised_on.isoformat(),
                },
                url=f"/workorders/{order.pk}/",
            )
            flagged += 1
    return flagged
