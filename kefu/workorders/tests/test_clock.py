"""The arrival clock (seed-004 D11 14): 6 working hours urban, 7 suburban, on the office calendar
(08:30–12:00, 13:30–17:30); customer-caused waiting pauses it; the sweep flags lateness once."""

from datetime import datetime

import pytest

from kefu.customers.models import Customer
from kefu.sla.models import Notification
from kefu.workorders.choices import EventKind
from kefu.workorders.services import (
    workorder_check_in,
    workorder_dispatch,
    workorder_pause,
    workorder_resume,
    workorders_flag_late,
)
from kefu.workorders.tests.conftest import SHANGHAI, TUESDAY_10

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_urban_six_and_suburban_seven_working_hours(make_order, customer):
    """Reported Tue 24 Nov 10:00. Urban: 10:00–12:00 (2 h) + 13:30–17:30 (4 h) = 6 h → 17:30 the same
    day. Suburban: one hour more → Wed 25 Nov 09:30."""
    assert make_order().arrival_due_at == at(24, 17, 30)
    Customer.objects.filter(pk=customer.pk).update(region="suburban")
    customer.refresh_from_db()
    assert make_order(customer=customer).arrival_due_at == at(25, 9, 30)


def test_waiting_for_the_customer_moves_the_deadline_by_the_working_time_waited(make_order, org):
    """Paused Tue 11:00 (customer not home), resumed Tue 14:30: 1 h before lunch + 1 h after = 2
    working hours → the deadline moves from Tue 17:30 to Wed 10:30 (08:30 + 2 h)."""
    order = make_order()
    order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    order = workorder_pause(
        order=order, actor=org.technician, expected_version=order.version, reason="客户不在家", at=at(24, 11)
    )
    # Paused orders are not flagged late, however long the wait.
    assert workorders_flag_late(now=at(25, 12)) == 0
    order = workorder_resume(order=order, actor=org.technician, expected_version=order.version, at=at(24, 14, 30))
    assert order.arrival_due_at == at(25, 10, 30)
    assert order.events.filter(kind=EventKind.RESUMED, note="客户不在家").exists()


def test_pause_needs_a_reason_and_only_the_people_of_the_order(make_order, org):
    from kefu.core.exceptions import ApplicationError, ForbiddenError

    order = make_order()
    with pytest.raises(ApplicationError):
        workorder_pause(order=order, actor=org.supervisor, expected_version=1, reason="")
    with pytest.raises(ForbiddenError):
        workorder_pause(order=order, actor=org.outsider, expected_version=1, reason="客户不在家")


def test_late_orders_are_flagged_once_and_the_people_told(make_order, org):
    """Due Tue 17:30; at 17:31 it is late: one history row, one notice each for the technician and
    the supervisor of 售后部; the second sweep finds nothing."""
    order = make_order()
    workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    assert workorders_flag_late(now=at(24, 17, 30)) == 0
    assert workorders_flag_late(now=at(24, 17, 31)) == 1
    assert workorders_flag_late(now=at(24, 18)) == 0
    assert order.events.filter(kind=EventKind.LATE).count() == 1
    told = set(
        Notification.objects.filter(message_code="workorders.late").values_list("recipient__username", flat=True)
    )
    assert told == {"technician", "supervisor"}


def test_arriving_in_time_is_never_late(make_order, org):
    order = make_order(reported_at=TUESDAY_10)
    order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    from kefu.workorders.services import workorder_accept

    order = workorder_accept(order=order, actor=org.technician, expected_version=order.version)
    workorder_check_in(order=order, actor=org.technician, expected_version=order.version, step="arrive", at=at(24, 15))
    assert workorders_flag_late(now=at(25, 12)) == 0
