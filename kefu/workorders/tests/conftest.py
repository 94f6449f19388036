from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday in a normal working week: office hours 08:30–12:00, 13:30–17:30 (7.5 h a day).
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@pytest.fixture
def equipment(customer, org):
    from kefu.workorders.services import equipment_create

    return equipment_create(
        actor=org.agent,
        customer=customer,
        model_name="GT-06 车载定位终端",
        serial_no="SN2024000123",
        terminal_no="T-88001",
        sim_no="1440 1234 5678",
        purchase_date=date(2025, 3, 1),
        warranty_end=date(2026, 2, 28),
    )


@pytest.fixture
def make_order(org, rulebooks, customer):
    from kefu.workorders.services import workorder_create

    def make(**kwargs):
        values = dict(
            actor=org.agent,
            kind="repair",
            customer=customer,
            description="车载终端不上线，平台看不到位置。",
            unit=org.aftersales,
            reported_at=TUESDAY_10,
        )
        values.update(kwargs)
        order, _ = workorder_create(**values)
        return order

    return make


@pytest.fixture
def on_site(make_order, org):
    """An order dispatched to the technician, accepted, booked and arrived at."""
    from kefu.workorders.services import workorder_accept, workorder_check_in, workorder_dispatch

    def make(**kwargs):
        order = make_order(**kwargs)
        order = workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
        order = workorder_accept(order=order, actor=org.technician, expected_version=order.version)
        return workorder_check_in(order=order, actor=org.technician, expected_version=order.version, step="arrive")

    return make
