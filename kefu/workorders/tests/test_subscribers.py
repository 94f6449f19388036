"""A repair case routed to a unit with technicians gets one work order; completing it notes the case."""

import pytest

from kefu.cases import events
from kefu.cases.models import CaseEvent, CaseNote
from kefu.cases.services import case_transition
from kefu.workorders.models import WorkOrder
from kefu.workorders.services import (
    workorder_accept,
    workorder_check_in,
    workorder_complete,
    workorder_dispatch,
    workorder_record,
)
from kefu.workorders.tests.conftest import PNG

pytestmark = pytest.mark.django_db


def _route(case, org, unit):
    return case_transition(
        case=case, actor=org.agent, transition="route", expected_version=case.version, data={"unit": unit.pk}
    )


def test_routed_repair_case_gets_one_order_and_completion_notes_the_case(make_case, org):
    case = make_case("repair", rulebook_key="field-service", title="GPS 终端不上线", description="车辆位置三天未更新。")
    case = _route(case, org, org.aftersales)
    events.dispatch_pending()
    events.dispatch_pending()  # a second sweep (or a redelivery) creates nothing more
    order = WorkOrder.objects.get(case=case)
    assert (order.rule_key, order.kind, order.unit, order.customer) == (
        "repair_routed",
        "repair",
        org.aftersales,
        case.customer,
    )
    assert order.reported_at == case.received_at  # the clock starts at the customer's call

    order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    order = workorder_accept(order=order, actor=org.technician, expected_version=2)
    order = workorder_check_in(order=order, actor=org.technician, expected_version=3, step="arrive")
    order = workorder_record(
        order=order,
        actor=org.technician,
        expected_version=4,
        actions="更换 SIM 卡",
        parts=[{"code": "SIM-1", "quantity": 1}],
    )
    workorder_complete(order=order, actor=org.technician, expected_version=5, signature=PNG, fee_collected="30")
    # The technician is not one of the case's people, so the engine refuses them a note; the
    # completion is recorded as related activity in the case's history instead.
    assert not CaseNote.objects.filter(case=case).exists()
    entry = CaseEvent.objects.filter(case=case, kind="activity").get()
    assert order.number in entry.message and "更换 SIM 卡" in entry.message and "30.00" in entry.message
    assert entry.data == {"source": "workorders", "order": order.pk}


def test_a_unit_without_technicians_gets_no_order(make_case, org):
    case = make_case("repair", rulebook_key="field-service", title="宽带断网", description="断网。")
    _route(case, org, org.other_aftersales)
    events.dispatch_pending()
    assert not WorkOrder.objects.filter(case=case).exists()
