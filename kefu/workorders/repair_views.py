"""The repair clock on the order page: the facts shown (deadline, limit, time left in words, a pending
extension and who approves it) and the steps (ask for an extension, decide on it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from kefu.workorders.choices import OPEN_STATUSES
from kefu.workorders.clock_text import repair_clock_text
from kefu.workorders.models import RepairExtension, WorkOrder
from kefu.workorders.services import repair_clock

__all__ = ("REPAIR_DONE", "REPAIR_STEPS", "repair_facts", "repair_steps", "run_repair_step")

REPAIR_STEPS = ("extend", "decide_extension")
REPAIR_DONE = {
    "extend": gettext_lazy("The extension is asked for; the approver sees it on this page."),
    "decide_extension": gettext_lazy("Decided; the repair deadline shown above is the one in force."),
}


def _pending(order: WorkOrder) -> RepairExtension | None:
    return order.repair_extensions.filter(status=RepairExtension.Status.PENDING).select_related("requested_by").first()


def repair_facts(order: WorkOrder) -> dict[str, Any]:
    return {"text": repair_clock_text(order), "pending": _pending(order) if order.repair_due_at else None}


def repair_steps(order: WorkOrder, user: Any, *, mine: bool, boss: bool) -> list[str]:
    if order.repair_due_at is None or order.status not in OPEN_STATUSES:
        return []
    pending = _pending(order)
    if pending is None:
        return ["extend"] if (mine or boss) else []
    return ["decide_extension"] if repair_clock.may_approve(user, order, pending.approver_roles) else []


def run_repair_step(step: str, common: dict[str, Any], data: dict[str, Any]) -> WorkOrder:
    if step == "extend":
        repair_clock.workorder_request_extension(
            **common, until=data["until"], reason=data["reason"], customer_consent=data["customer_consent"]
        )
        return common["order"]
    return repair_clock.workorder_decide_extension(**common, approve=data["decision"] == "approve", note=data["note"])
