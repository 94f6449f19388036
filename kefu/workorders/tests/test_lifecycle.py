"""The work order's lifecycle and its refusals (seed-004 D10 2.2, D11 steps 3–8)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.workorders.choices import EventKind, OrderStatus
from kefu.workorders.models import Equipment, WorkOrder, WorkOrderEvent
from kefu.workorders.services import (
    workorder_accept,
    workorder_approve_waiver,
    workorder_book,
    workorder_cancel,
    workorder_check_in,
    workorder_close,
    workorder_complete,
    workorder_create,
    workorder_dispatch,
    workorder_record,
)
from kefu.workorders.tests.conftest import PNG, TUESDAY_10

pytestmark = pytest.mark.django_db


def test_numbers_are_consecutive_per_month_and_every_change_is_history(make_order, org):
    first, second = make_order(), make_order()
    prefix = "WO" + timezone.localtime().strftime("%y%m")
    assert (first.number, second.number) == (f"{prefix}00001", f"{prefix}00002")
    assert first.status == OrderStatus.NEW and first.version == 1
    assert list(first.events.values_list("version", "kind")) == [(1, EventKind.CREATED)]


def test_full_lifecycle_from_dispatch_to_close(make_order, org, equipment):
    """new → dispatched → accepted → booked → on_the_way → on_site → completed → closed, one
    history row per step with versions 1…9 (recording counts as a change)."""
    order = make_order(equipment=equipment, service_type="A")
    order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    assert (order.status, order.technician, order.unit) == (OrderStatus.DISPATCHED, org.technician, org.team)
    order = workorder_accept(order=order, actor=org.technician, expected_version=2)
    visit = timezone.now() + timedelta(hours=2)
    order = workorder_book(order=order, actor=org.technician, expected_version=3, visit_at=visit)
    order = workorder_check_in(order=order, actor=org.technician, expected_version=4, step="depart")
    assert order.status == OrderStatus.ON_THE_WAY
    order = workorder_check_in(order=order, actor=org.technician, expected_version=5, step="arrive")
    assert order.status == OrderStatus.ON_SITE and order.arrived_at is not None
    order = workorder_record(
        order=order,
        actor=org.technician,
        expected_version=6,
        findings="SIM 卡欠费停机",
        actions="更换终端与 SIM 卡，平台恢复定位",
        parts=[{"name": "GPS 终端", "unit_price": "560.00", "quantity": 1}],
        old_terminal_no="T-88001",
        new_terminal_no="T-99002",
        old_sim_no="1440 1234 5678",
        new_sim_no="1440 8765 4321",
    )
    equipment.refresh_from_db()
    assert (equipment.terminal_no, equipment.sim_no) == ("T-99002", "1440 8765 4321")
    # The default rulebook has no price list: labour 0, parts 560 → the fee is 560.00 before completing.
    assert order.fee_total == Decimal("560.00")
    order = workorder_complete(
        order=order, actor=org.technician, expected_version=7, signature=PNG, fee_collected="560", invoice_no="No.0012"
    )
    assert order.status == OrderStatus.COMPLETED
    assert order.invoice_date == timezone.localdate()  # same-day invoice (D11 step 5)
    order = workorder_close(order=order, actor=org.supervisor, expected_version=8)
    assert order.status == OrderStatus.CLOSED
    kinds = list(order.events.order_by("id").values_list("version", "kind"))
    assert kinds == [
        (1, "created"),
        (2, "dispatched"),
        (3, "accepted"),
        (4, "booked"),
        (5, "departed"),
        (6, "arrived"),
        (7, "recorded"),
        (8, "completed"),
        (9, "closed"),
    ]


def test_a_stale_version_is_refused_and_changes_nothing(make_order, org):
    order = make_order()
    workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    with pytest.raises(ConflictError):
        workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician, reason="x")
    assert WorkOrder.objects.get(pk=order.pk).version == 2
    assert WorkOrderEvent.objects.filter(order=order).count() == 2


def test_refusals_of_who_may_do_what(make_order, org):
    order = make_order()
    # Only a supervisor of 售后部 (or above) dispatches; the other city's supervisor may not.
    for person in (org.technician, org.handler, org.outsider_supervisor):
        with pytest.raises(ForbiddenError):
            workorder_dispatch(order=order, actor=person, expected_version=1, technician=org.technician)
    # A technician is dispatched only within the order's unit and below; a handler is no technician.
    with pytest.raises(ApplicationError) as refused:
        workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.handler)
    assert "technician" in refused.value.extra
    order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    # Someone else cannot accept the technician's order; nobody completes before arriving.
    with pytest.raises(ForbiddenError):
        workorder_accept(order=order, actor=org.supervisor, expected_version=2)
    order = workorder_accept(order=order, actor=org.technician, expected_version=2)
    with pytest.raises(ApplicationError):
        workorder_complete(order=order, actor=org.technician, expected_version=3, signature=PNG)
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED


def test_rebooking_needs_a_reason(make_order, org):
    order = make_order()
    order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    order = workorder_accept(order=order, actor=org.technician, expected_version=2)
    first = timezone.now() + timedelta(hours=3)
    order = workorder_book(order=order, actor=org.technician, expected_version=3, visit_at=first)
    with pytest.raises(ApplicationError) as refused:
        workorder_book(order=order, actor=org.technician, expected_version=4, visit_at=first + timedelta(days=1))
    assert "reason" in refused.value.extra
    order = workorder_book(
        order=order,
        actor=org.technician,
        expected_version=4,
        visit_at=first + timedelta(days=1),
        reason="客户明天才在家",
    )
    event = order.events.order_by("-id").first()
    assert (event.kind, event.note) == (EventKind.REBOOKED, "客户明天才在家")


def test_team_queue_the_first_technician_of_the_team_takes_it(make_order, org):
    order = make_order()
    order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, team=org.team)
    assert order.technician is None and order.unit == org.team
    with pytest.raises(ForbiddenError):
        workorder_accept(order=order, actor=org.other_handler, expected_version=2)
    order = workorder_accept(order=order, actor=org.technician, expected_version=2)
    assert order.technician == org.technician


def test_completion_needs_a_signature_or_an_approved_waiver(on_site, org):
    order = on_site()
    order = workorder_record(order=order, actor=org.technician, expected_version=order.version, actions="清洁、复位")
    with pytest.raises(ApplicationError) as refused:
        workorder_complete(order=order, actor=org.technician, expected_version=order.version)
    assert "signature" in refused.value.extra
    with pytest.raises(ApplicationError) as refused:
        workorder_complete(
            order=order, actor=org.technician, expected_version=order.version, signature="data:image/png;base64,AAAA"
        )
    assert "signature" in refused.value.extra
    # A technician cannot approve their own waiver; the supervisor can.
    with pytest.raises(ForbiddenError):
        workorder_approve_waiver(order=order, actor=org.technician, expected_version=order.version, reason="客户外出")
    order = workorder_approve_waiver(
        order=order, actor=org.supervisor, expected_version=order.version, reason="客户外出"
    )
    order = workorder_complete(order=order, actor=org.technician, expected_version=order.version)
    assert order.status == OrderStatus.COMPLETED and order.signature == ""


def test_more_than_the_fee_cannot_be_collected(on_site, org):
    """Free service (C, default for equipment in warranty — none here, so A with no price list):
    the fee is 0.00 and collecting 50 yuan is refused."""
    order = on_site()
    order = workorder_record(order=order, actor=org.technician, expected_version=order.version, actions="复位")
    with pytest.raises(ApplicationError) as refused:
        workorder_complete(
            order=order, actor=org.technician, expected_version=order.version, signature=PNG, fee_collected="50"
        )
    assert "fee_collected" in refused.value.extra


def test_cancel_needs_a_reason_and_a_cancelled_order_stays(make_order, org):
    order = make_order()
    with pytest.raises(ApplicationError):
        workorder_cancel(order=order, actor=org.supervisor, expected_version=1, reason=" ")
    order = workorder_cancel(order=order, actor=org.supervisor, expected_version=1, reason="客户自行修好")
    assert order.status == OrderStatus.CANCELLED and WorkOrder.objects.filter(pk=order.pk).exists()
    with pytest.raises(ApplicationError):
        workorder_dispatch(order=order, actor=org.supervisor, expected_version=2, technician=org.technician, reason="x")


def test_service_type_defaults_from_the_warranty_and_free_service_needs_one(make_order, equipment, org, customer):
    """The equipment's warranty ended 2026-02-28; the report is 2026-11-24 → paid service (A)."""
    assert make_order(equipment=equipment).service_type == "A"
    with pytest.raises(ApplicationError) as refused:
        make_order(equipment=equipment, service_type="C")
    assert "service_type" in refused.value.extra
    Equipment.objects.filter(pk=equipment.pk).update(warranty_end=TUESDAY_10.date() + timedelta(days=300))
    equipment.refresh_from_db()
    assert make_order(equipment=equipment).service_type == "C"


def test_idempotency_key_creates_once(org, rulebooks, customer):
    values = dict(actor=org.agent, kind="install", customer=customer, description="安装宽带", unit=org.aftersales)
    first, created = workorder_create(**values, idempotency_key="k-1")
    again, created_again = workorder_create(**values, idempotency_key="k-1")
    assert (created, created_again, again.pk) == (True, False, first.pk)
    with pytest.raises(ConflictError):
        workorder_create(**{**values, "description": "安装 IPTV"}, idempotency_key="k-1")
    assert WorkOrder.objects.count() == 1


def test_from_a_case_uses_its_customer_unit_and_report_time(make_case, org):
    case = make_case("repair", title="宽带断网", description="家里宽带从昨晚开始断网。")
    order, _ = workorder_create(
        actor=org.agent, kind="repair", customer=case.customer, description=case.description, case=case
    )
    assert order.case == case and order.reported_at == case.received_at
    assert order.rulebook_version_id == case.rulebook_version_id
    with pytest.raises(ForbiddenError):
        workorder_create(actor=org.outsider, kind="repair", customer=case.customer, description="x", case=case)
