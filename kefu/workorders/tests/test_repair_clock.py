"""The repair clock (seed-002 Doc 4 5.2.4/5.2.5, D11 9): from dispatch to the repair in 3 working days
(urgent orders 24 hours), on the office calendar with the 2026 国庆 调休 (Sat 10 Oct is a working day);
customer-caused waiting pauses it; an extension needs the approval of the rulebook's tier; a late
repair is flagged once."""

from datetime import datetime, timedelta

import pytest
import time_machine

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.sla.models import Notification
from kefu.workorders.choices import EventKind
from kefu.workorders.models import RepairExtension
from kefu.workorders.services import (
    workorder_accept,
    workorder_check_in,
    workorder_dispatch,
    workorder_pause,
    workorder_resume,
)
from kefu.workorders.services.repair_clock import (
    repair_minutes_left,
    workorder_decide_extension,
    workorder_request_extension,
    workorders_flag_repair_late,
)
from kefu.workorders.tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def dispatched(make_order, org, when: datetime, **kwargs):
    order = make_order(reported_at=when - timedelta(minutes=30), **kwargs)
    with time_machine.travel(when, tick=False):
        return workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)


def arrive(order, org, when: datetime):
    order = workorder_accept(order=order, actor=org.technician, expected_version=order.version)
    return workorder_check_in(order=order, actor=org.technician, expected_version=order.version, step="arrive", at=when)


def test_three_working_days_from_dispatch_across_the_national_day_make_up_saturday(make_order, org):
    """Dispatched Wed 30 Sep 10:00; 1–7 Oct are holidays, Sat 10 Oct is a 调休 working day: the three
    working days are Thu 8, Fri 9 and Sat 10 Oct → due Sat 10 Oct 17:30. An urgent order: 24 hours →
    Thu 1 Oct 10:00, the holiday notwithstanding (5.2.5 "24小时内完成")."""
    order = dispatched(make_order, org, sh(9, 30, 10))
    assert order.repair_started_at == sh(9, 30, 10)
    assert order.repair_due_at == sh(10, 10, 17, 30)
    assert order.events.get(kind=EventKind.DISPATCHED).version == order.version
    urgent = dispatched(make_order, org, sh(9, 30, 10), urgent=True)
    assert urgent.repair_due_at == sh(10, 1, 10)
    # Not running before dispatch; re-dispatching does not restart it.
    assert make_order().repair_due_at is None
    with time_machine.travel(sh(10, 8, 9), tick=False):
        again = workorder_dispatch(
            order=order, actor=org.supervisor, expected_version=order.version, technician=org.technician, reason="改派"
        )
    assert again.repair_due_at == sh(10, 10, 17, 30)


def test_waiting_for_the_customer_on_site_moves_only_the_repair_deadline(make_order, org):
    """On site Thu 8 Oct 09:00; the owner asks to stop until a part arrives: paused Thu 14:00, resumed
    Fri 9 Oct 10:00 = 3.5 h Thu + 1.5 h Fri = 5 working hours → due Sat 10 Oct 17:30 + 5 h = Mon 12 Oct
    13:30 + 1.5 h … Mon 12 Oct 15:00 (08:30–12:00 is 3.5 h, then 1.5 h after 13:30)."""
    order = arrive(dispatched(make_order, org, sh(9, 30, 10)), org, sh(10, 8, 9))
    arrival_due = order.arrival_due_at
    order = workorder_pause(
        order=order, actor=org.technician, expected_version=order.version, reason="业主要求等配件到货", at=sh(10, 8, 14)
    )
    assert workorders_flag_repair_late(now=sh(10, 20, 9)) == 0  # paused: never late
    order = workorder_resume(order=order, actor=org.technician, expected_version=order.version, at=sh(10, 9, 10))
    assert order.repair_due_at == sh(10, 12, 15)
    assert order.arrival_due_at == arrival_due
    assert order.events.filter(kind=EventKind.RESUMED, note="业主要求等配件到货").exists()


def test_an_extension_needs_the_tier_the_new_deadline_falls_in(make_order, org):
    """Default tiers: the service supervisor (or the manager) up to 10 working days beyond the original
    deadline (D11 9 "报请服务主任予以协助"). Beyond that there is no tier: refused with a field message."""
    order = arrive(dispatched(make_order, org, sh(11, 24, 10)), org, sh(11, 24, 14))
    assert order.repair_due_at == sh(11, 27, 17, 30)
    with pytest.raises(ApplicationError) as too_far:
        workorder_request_extension(
            order=order, actor=org.technician, expected_version=order.version, until=sh(12, 31, 17), reason="缺件"
        )
    assert "until" in too_far.value.extra
    ext = workorder_request_extension(
        order=order, actor=org.technician, expected_version=order.version, until=sh(12, 2, 17, 30), reason="主板缺货"
    )
    assert ext.approver_roles == ["supervisor", "manager"]
    order.refresh_from_db()
    with pytest.raises(ForbiddenError):  # the technician cannot approve their own extension
        workorder_decide_extension(order=order, actor=org.technician, expected_version=order.version, approve=True)
    with pytest.raises(ForbiddenError):  # a supervisor of another city's 售后部 neither
        workorder_decide_extension(
            order=order, actor=org.outsider_supervisor, expected_version=order.version, approve=True
        )
    order = workorder_decide_extension(
        order=order, actor=org.supervisor, expected_version=order.version, approve=True, note="同意"
    )
    assert order.repair_due_at == sh(12, 2, 17, 30)
    assert order.repair_original_due_at == sh(11, 27, 17, 30)
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.EXTENSION_ASKED, EventKind.EXTENSION_APPROVED]
    with pytest.raises(ApplicationError):  # nothing pending any more
        workorder_decide_extension(order=order, actor=org.supervisor, expected_version=order.version, approve=False)


def test_a_refusal_needs_a_reason_and_keeps_the_deadline(make_order, org):
    order = arrive(dispatched(make_order, org, sh(11, 24, 10)), org, sh(11, 24, 14))
    workorder_request_extension(
        order=order, actor=org.technician, expected_version=order.version, until=sh(11, 30, 17, 30), reason="缺件"
    )
    order.refresh_from_db()
    with pytest.raises(ApplicationError):
        workorder_decide_extension(order=order, actor=org.supervisor, expected_version=order.version, approve=False)
    order = workorder_decide_extension(
        order=order, actor=org.supervisor, expected_version=order.version, approve=False, note="配件库存充足，按时完成"
    )
    assert order.repair_due_at == sh(11, 27, 17, 30)
    assert RepairExtension.objects.get(order=order).status == "refused"


def test_a_late_repair_is_flagged_once_and_told_to_the_technician_and_the_supervisors(make_order, org):
    """Due Fri 27 Nov 17:30; the sweep on Mon 30 Nov flags it and tells the technician and the
    supervisor of 售后部 (not the other city's); a second sweep flags nothing."""
    order = arrive(dispatched(make_order, org, sh(11, 24, 10)), org, sh(11, 24, 14))
    assert workorders_flag_repair_late(now=sh(11, 27, 17)) == 0
    assert workorders_flag_repair_late(now=sh(11, 30, 9)) == 1
    assert workorders_flag_repair_late(now=sh(11, 30, 10)) == 0
    order.refresh_from_db()
    assert order.repair_late_at == sh(11, 30, 9)
    assert order.events.filter(kind=EventKind.REPAIR_LATE).count() == 1
    told = set(
        Notification.objects.filter(message_code="workorders.repair_late").values_list("recipient__username", flat=True)
    )
    assert told == {"technician", "supervisor"}
    minutes, working = repair_minutes_left(order, now=sh(11, 30, 9, 30))
    assert working and minutes == -60  # one working hour late on Monday morning


def test_the_api_returns_the_repair_clock(make_order, org, api):
    """The order API says when the repair is due, under which limit, and whether it was flagged late."""
    order = arrive(dispatched(make_order, org, sh(11, 24, 10)), org, sh(11, 24, 14))
    workorders_flag_repair_late(now=sh(11, 30, 9))
    body = api(org.technician).get(f"/api/v1/workorders/{order.pk}/").json()
    assert body["repair_due_at"].startswith("2026-11-27T17:30")
    assert body["repair_limit"] == "维修 · 3 个工作日"
    assert body["repair_late_at"] is not None and body["carried_over_on"] is None
