"""Equipment at a customer's (产品保修卡 / 客户资料袋): registered once, reused by every order."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.exceptions import FieldErrors
from kefu.core.inputs import check_text
from kefu.customers.models import Customer
from kefu.org.models import User
from kefu.workorders.models import Equipment

__all__ = ("equipment_create",)


@transaction.atomic
def equipment_create(
    *,
    actor: User,
    customer: Customer,
    model_name: str,
    serial_no: str = "",
    terminal_no: str = "",
    sim_no: str = "",
    purchase_date: date | None = None,
    warranty_end: date | None = None,
) -> Equipment:
    errors = FieldErrors()
    model_name = check_text(errors, "model_name", model_name, limit=100, required=True)
    serial_no = check_text(errors, "serial_no", serial_no, limit=60)
    terminal_no = check_text(errors, "terminal_no", terminal_no, limit=40)
    sim_no = check_text(errors, "sim_no", sim_no, limit=40)
    if purchase_date and warranty_end and warranty_end < purchase_date:
        errors.add("warranty_end", _("The warranty cannot end before the purchase."))
    errors.raise_if_any()
    return Equipment.objects.create(
        customer=customer,
        model_name=model_name,
        serial_no=serial_no,
        terminal_no=terminal_no,
        sim_no=sim_no,
        purchase_date=purchase_date,
        warranty_end=warranty_end,
    )
