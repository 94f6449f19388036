"""Reactions to case events (kefu.cases.events) and the note a completed order leaves on its case.

* A case of a kind the rulebook's `field_service.auto_create` names (default: `repair`) routed to a
  unit that has technicians (in it or below it) gets one work order — exactly once per case and
  rule: the unique (case, rule_key) constraint holds even if the event is delivered twice.
* When an order that came from a case is completed, the technician's record is added to the case as
  an internal note (`kefu.cases.services.case_add_note`), in the completion's transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from kefu.cases.events import CaseEventInfo
from kefu.core.exceptions import ApplicationError
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.workorders.models import WorkOrder
from kefu.workorders.rules import AutoCreateRule

__all__ = ("create_order_for_routed_case", "note_completion_on_case")

DEFAULT_RULES = (AutoCreateRule(key="repair_routed"),)


def create_order_for_routed_case(event: CaseEventInfo) -> None:
    from kefu.cases.models import Case
    from kefu.workorders.services import workorder_create

    if not event.responsible_unit_id:
        return
    case = Case.objects.select_related("rulebook_version", "customer").get(pk=event.case_id)
    section = case.rulebook_version.doc.section("field_service")
    rules = [r for r in (section.auto_create if section else DEFAULT_RULES) if r.case_kind == event.case_kind]
    if not rules:
        return
    unit = OrgUnit.objects.get(pk=event.responsible_unit_id)
    if not User.objects.filter(role=Role.TECHNICIAN, is_active=True, unit__path__startswith=unit.path).exists():
        return
    actor = User.objects.get(pk=event.actor_id)
    for rule in rules:
        if WorkOrder.objects.filter(case=case, rule_key=rule.key).exists():
            continue
        try:
            with transaction.atomic():
                workorder_create(
                    actor=actor,
                    kind=rule.order_kind,
                    customer=case.customer,
                    description=case.description or case.title,
                    case=case,
                    unit=unit,
                    service_type=rule.service_type,
                    rule_key=rule.key,
                )
        except IntegrityError:
            continue  # a parallel delivery created it first


def note_completion_on_case(order: WorkOrder, *, actor: User) -> None:
    """Add the completion to the order's case: a note when the technician may write notes on it,
    else an activity entry through the public change API (the case's history shows it either way)."""
    from kefu.cases.changes import case_lock, case_record_change
    from kefu.cases.choices import EventKind
    from kefu.cases.services import case_add_note

    body = f"工单 {order.number} 已完工：{order.actions}".strip()[:2000]
    if order.fee_total:
        body += f"\n费用 {order.fee_total} 元，现场收取 {order.fee_collected} 元。"
    try:
        with transaction.atomic():
            case_add_note(case=order.case, actor=actor, body=body)
    except ApplicationError:
        case = case_lock(order.case_id, expected_version=None)
        case_record_change(
            case,
            actor=actor,
            kind=EventKind.ACTIVITY,
            message=body[:300],
            data={"source": "workorders", "order": order.pk},
        )
