"""Call-backs after finished work orders through the work-order event seam (kefu.workorders.events),
under the field-service preset's `visits.work_orders` (seed-004 D11 客户意见调查: "客户意见分为客户的建议或抱怨
及对技术员的品评"; every finished order, since D11 names no sample)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.cases.models import Case
from kefu.visits.choices import VisitMethod, VisitPurpose
from kefu.visits.models import VisitTask
from kefu.visits.services import visit_call_back_for_order, visit_record
from kefu.workorders import events

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SH)
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def finished_order(org, customer, capture):
    """Registered by the agent at 10:00, the technician completes it at 15:00 on Tuesday 24 November."""
    from kefu.workorders.services import (
        workorder_accept,
        workorder_check_in,
        workorder_complete,
        workorder_create,
        workorder_dispatch,
        workorder_record,
    )

    with time_machine.travel(TUESDAY_10, tick=False):
        order, _ = workorder_create(
            actor=org.agent,
            kind="repair",
            customer=customer,
            description="车载终端不上线，平台看不到位置。",
            unit=org.aftersales,
            reported_at=TUESDAY_10,
            rulebook_key="field-service",
        )
        order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
        order = workorder_accept(order=order, actor=org.technician, expected_version=order.version)
        order = workorder_check_in(order=order, actor=org.technician, expected_version=order.version, step="arrive")
        order = workorder_record(
            order=order, actor=org.technician, expected_version=order.version, actions="更换 SIM 卡，恢复定位"
        )
    with time_machine.travel(TUESDAY_10 + dt.timedelta(hours=5), tick=False), capture(execute=True):
        order = workorder_complete(order=order, actor=org.technician, expected_version=order.version, signature=PNG)
    return order


def test_a_finished_order_gets_one_call_back_by_whoever_registered_it(
    client, org, customer, rulebooks, django_capture_on_commit_callbacks
):
    """Completed Tue 24 Nov → a phone call-back due Wed 25 (due_days 1) by the agent who took the call
    (not the technician whose work is checked), in the agent's 客服部, with D11's questions; a second
    delivery returns the same task."""
    order = finished_order(org, customer, django_capture_on_commit_callbacks)
    task = VisitTask.objects.get(work_order_id=order.pk)
    assert (task.purpose, task.method, task.visitor, task.unit, task.work_order_number) == (
        VisitPurpose.CALL_BACK,
        VisitMethod.PHONE,
        org.agent,
        org.service,
        order.number,
    )
    assert task.due_date == dt.date(2026, 11, 25)
    assert [q["code"] for q in task.questionnaire["questions"]] == ["solved", "technician", "score", "opinion"]
    info = events.OrderFinished(
        order_id=order.pk,
        number=order.number,
        customer_id=customer.pk,
        case_id=None,
        unit_id=order.unit_id,
        technician_id=org.technician.pk,
        created_by_id=org.agent.pk,
        kind="repair",
        service_type=order.service_type,
        completed_at=order.completed_at,
        rulebook_version_id=order.rulebook_version_id,
    )
    assert visit_call_back_for_order(event=info) == task
    assert VisitTask.objects.filter(work_order_id=order.pk).count() == 1

    # The agent's list names the order the call is about.
    client.force_login(org.agent)
    assert f"工单 {order.number}" in client.get("/visits/").content.decode()

    # The customer is unhappy with the technician: a repair case is opened to put it right.
    record = visit_record(
        task=task,
        actor=org.agent,
        expected_version=task.version,
        answers={"solved": "no", "technician": "不满意", "score": 3},
        summary="客户说定位仍时有时无。",
    )
    case = Case.objects.get(pk=record.follow_up_case_id)
    assert (case.case_type, case.category, case.rulebook.key) == ("repair", "fault", "field-service")
    assert order.number in case.title


def test_a_failing_subscriber_does_not_stop_the_others(org, customer, rulebooks, django_capture_on_commit_callbacks):
    """A subscriber registered before the return-visit one raises: it is logged, the call-back is made."""
    saved = events.subscriptions()
    seen = []

    def boom(info):
        seen.append(info.number)
        raise RuntimeError("broken subscriber")

    try:
        for name in saved:
            events.unsubscribe(name)
        events.subscribe("test.boom", boom)
        for name, fn in saved.items():
            events.subscribe(name, fn)
        order = finished_order(org, customer, django_capture_on_commit_callbacks)
    finally:
        events.unsubscribe("test.boom")
    assert seen == [order.number]
    assert VisitTask.objects.filter(work_order_id=order.pk).exists()


def test_a_rulebook_without_work_orders_makes_no_call_back(
    org, customer, rulebooks, django_capture_on_commit_callbacks
):
    """The same order under the default rulebook (service-complaint: call-backs after cases only)."""
    from kefu.workorders.services import workorder_create

    order, _ = workorder_create(
        actor=org.agent,
        kind="repair",
        customer=customer,
        description="终端报警。",
        unit=org.aftersales,
        reported_at=TUESDAY_10,
    )
    assert (
        visit_call_back_for_order(
            event=events.OrderFinished(
                order_id=order.pk,
                number=order.number,
                customer_id=customer.pk,
                case_id=None,
                unit_id=order.unit_id,
                technician_id=None,
                created_by_id=org.agent.pk,
                kind="repair",
                service_type=order.service_type,
                completed_at=TUESDAY_10,
                rulebook_version_id=order.rulebook_version_id,
            )
        )
        is None
    )
