"""On site: what the technician records (findings, work, parts, old and new terminal/SIM numbers —
篇5/篇8), the fee worked out before closing (D10 2.1 / D11 A/B/C/D), the customer's signature
(D10 step 7, D11 step 4) or a waiver a supervisor approved, and completion. The take-back repairs
(services/takeback.py) reuse the money, fee and signature checks.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, FieldErrors
from kefu.core.inputs import check_text
from kefu.org.models import User
from kefu.workorders.choices import (
    EventKind,
    OrderStatus,
    ServiceType,
)
from kefu.workorders.models import Equipment, PartLine, WorkOrder
from kefu.workorders.services.fees import compute_fee
from kefu.workorders.services.lifecycle import (
    _require_status,
    _require_supervisor,
    _require_technician,
    lock_order,
    record_event,
    section_for,
)

__all__ = ("part_lines", "workorder_approve_waiver", "workorder_complete", "workorder_record")

SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 200_000
MAX_PARTS_PER_CALL = 50


def _money(errors: FieldErrors, name: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.add(name, _("Enter an amount in yuan, e.g. 120.00."))
        return Decimal("0.00")
    if not amount.is_finite() or amount < 0 or amount > Decimal("1000000"):
        errors.add(name, _("Enter an amount between 0 and 1,000,000 yuan."))
        return Decimal("0.00")
    return amount


def _refresh_fee(order: WorkOrder) -> list[str]:
    parts = PartLine.objects.filter(order=order).values_list("quantity", "unit_price")
    amount = sum((Decimal(q) * p for q, p in parts), Decimal("0.00"))
    parts_free = False
    if order.service_type == ServiceType.B:
        from kefu.workorders.services.contracts import contract_for

        contract = contract_for(order)
        parts_free = bool(contract and contract.parts_free)
    fee = compute_fee(
        service_type=order.service_type,
        kind=order.kind,
        parts_amount=amount,
        section=section_for(order),
        parts_free=parts_free,
    )
    order.labour_fee, order.parts_fee, order.fee_total = fee.labour, fee.parts, fee.total
    return ["labour_fee", "parts_fee", "fee_total"]


@transaction.atomic
def workorder_record(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    findings: str | None = None,
    actions: str | None = None,
    parts: Sequence[dict[str, Any]] = (),
    old_terminal_no: str | None = None,
    new_terminal_no: str | None = None,
    old_sim_no: str | None = None,
    new_sim_no: str | None = None,
) -> WorkOrder:
    """Record what was found and done on site, parts used (each line: `code` from the price list, or
    `name` + `unit_price`; `quantity`, negative to correct an earlier line) and the terminal/SIM swap.
    The fee is recomputed, so the technician sees it before completing."""
    order = lock_order(order.pk, expected_version)
    _require_technician(order, actor)
    _require_status(order, [OrderStatus.ON_SITE], _("recorded"))
    errors = FieldErrors()
    changed: list[str] = []
    for name, value, limit in (
        ("findings", findings, 2000),
        ("actions", actions, 2000),
        ("old_terminal_no", old_terminal_no, 40),
        ("new_terminal_no", new_terminal_no, 40),
        ("old_sim_no", old_sim_no, 40),
        ("new_sim_no", new_sim_no, 40),
    ):
        if value is not None:
            setattr(order, name, check_text(errors, name, value, limit=limit))
            changed.append(name)
    lines = part_lines(errors, parts, order=order, actor=actor)
    errors.raise_if_any()
    if not changed and not lines:
        raise ApplicationError(_("Nothing to record."))
    PartLine.objects.bulk_create(lines)
    changed += _refresh_fee(order)
    if order.equipment_id and (order.new_terminal_no or order.new_sim_no):
        equipment = Equipment.objects.select_for_update().get(pk=order.equipment_id)
        equipment.terminal_no = order.new_terminal_no or equipment.terminal_no
        equipment.sim_no = order.new_sim_no or equipment.sim_no
        equipment.save(update_fields=["terminal_no", "sim_no", "updated_at"])
    record_event(
        order,
        kind=EventKind.RECORDED,
        actor=actor,
        fields=changed,
        data={"parts": [{"name": p.name, "quantity": p.quantity, "unit_price": str(p.unit_price)} for p in lines]},
    )
    return order


def part_lines(
    errors: FieldErrors, parts: Sequence[dict[str, Any]], *, order: WorkOrder, actor: User
) -> list[PartLine]:
    """Unsaved part lines from the caller's input (each: `code` from the price list, or `name` +
    `unit_price`; `quantity`, negative to correct an earlier line); problems go to `errors`.
    Shared by on-site recording and the take-back repair card."""
    section = section_for(order)
    lines: list[PartLine] = []
    if len(parts) > MAX_PARTS_PER_CALL:
        errors.add("parts", _("At most %(n)s lines at a time.") % {"n": MAX_PARTS_PER_CALL})
        parts = ()
    for i, line in enumerate(parts):
        field = f"parts[{i}]"
        code = check_text(errors, "code", line.get("code", ""), limit=40, field=f"{field}.code")
        quantity = line.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0 or abs(quantity) > 1000:
            errors.add(f"{field}.quantity", _("A whole number from -1000 to 1000, not 0."))
            quantity = 1
        listed = section.prices.part(code) if code else None
        if code and listed is None:
            errors.add(f"{field}.code", _("“%(code)s” is not on the price list.") % {"code": code})
            continue
        if listed is not None:
            name, price = listed.name, Decimal(listed.price)
        else:
            name = check_text(errors, "name", line.get("name", ""), limit=100, required=True, field=f"{field}.name")
            price = _money(errors, f"{field}.unit_price", line.get("unit_price", ""))
        lines.append(PartLine(order=order, code=code, name=name, quantity=quantity, unit_price=price, added_by=actor))
    return lines


def _check_signature(errors: FieldErrors, signature: str) -> str:
    if not signature:
        return ""
    if not signature.startswith(SIGNATURE_PREFIX):
        errors.add("signature", _("The signature must be a PNG image drawn on the screen."))
        return ""
    try:
        raw = base64.b64decode(signature[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        errors.add("signature", _("The signature image is damaged; please sign again."))
        return ""
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        errors.add("signature", _("The signature must be a PNG image drawn on the screen."))
    elif len(raw) > SIGNATURE_MAX_BYTES:
        errors.add("signature", _("The signature image is too large (at most 200 KB)."))
    return signature


@transaction.atomic
def workorder_approve_waiver(*, order: WorkOrder, actor: User, expected_version: int | None, reason: str) -> WorkOrder:
    """A supervisor allows the order to be completed without the customer's signature."""
    order = lock_order(order.pk, expected_version)
    _require_supervisor(order, actor)
    _require_status(order, [OrderStatus.ON_SITE], _("completed without a signature"))
    errors = FieldErrors()
    order.waiver_reason = check_text(errors, "reason", reason, limit=300, required=True)
    errors.raise_if_any()
    order.waiver_approved_by = actor
    record_event(
        order, kind=EventKind.RECORDED, actor=actor, fields=["waiver_reason", "waiver_approved_by"], note=reason
    )
    return order


@transaction.atomic
def workorder_complete(
    *,
    order: WorkOrder,
    actor: User,
    expected_version: int | None,
    signature: str = "",
    fee_collected: Any = "0",
    invoice_no: str = "",
    invoice_date: date | None = None,
) -> WorkOrder:
    """Finish on site: the customer's signature (or an approved waiver), the cash collected (at
    most the fee) and the invoice (its day defaults to today: D11 step 5, same-day invoicing)."""
    order = lock_order(order.pk, expected_version)
    _require_technician(order, actor)
    _require_status(order, [OrderStatus.ON_SITE], _("completed"))
    errors = FieldErrors()
    signature = _check_signature(errors, signature)
    if not signature and order.waiver_approved_by_id is None:
        errors.add("signature", _("The customer must sign, or a supervisor must approve completing without it."))
    if not order.actions.strip():
        errors.add("actions", _("Record the work done before completing."))
    collected = _money(errors, "fee_collected", fee_collected)
    fields = _refresh_fee(order)
    if collected > order.fee_total:
        errors.add(
            "fee_collected",
            _("More than the fee (%(fee)s yuan) cannot be collected.") % {"fee": order.fee_total},
        )
    invoice_no = check_text(errors, "invoice_no", invoice_no, limit=40)
    if invoice_no and invoice_date is None:
        invoice_date = timezone.localdate()
    if invoice_date is not None and not invoice_no:
        errors.add("invoice_no", _("Enter the invoice number for the invoice date."))
    errors.raise_if_any()
    previous = order.status
    order.signature = signature
    order.fee_collected = collected
    order.invoice_no = invoice_no
    order.invoice_date = invoice_date
    order.completed_at = timezone.now()
    if order.paused_at is not None:  # paused on site for the customer: the wait ends with the work
        from kefu.workorders.services.clock import end_pause

        fields += end_pause(order, order.completed_at)
    order.status = OrderStatus.COMPLETED
    repair_late = bool(order.repair_due_at and order.completed_at > order.repair_due_at)
    record_event(
        order,
        kind=EventKind.COMPLETED,
        actor=actor,
        fields=[*fields, "signature", "fee_collected", "invoice_no", "invoice_date", "completed_at"],
        from_status=previous,
        data={
            "fee": str(order.fee_total),
            "collected": str(collected),
            "waiver": not signature,
            "repair_late": repair_late,
        },
    )
    if order.case_id:
        from kefu.workorders.subscribers import note_completion_on_case

        note_completion_on_case(order, actor=actor)
    from kefu.workorders.events import order_finished  # the seam: subscribers run after commit

    order_finished(order)
    return order
