"""Maintenance contracts (D11 B and 15): contract service needs one, it decides the fee, and the
expiry notice goes out once, one month before the end, with a renewal visit."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from kefu.core.exceptions import ApplicationError
from kefu.sla.models import Notification
from kefu.workorders.models import MaintenanceContract, WorkOrder
from kefu.workorders.services import contract_create, contracts_expiry_notices, workorder_record
from kefu.workorders.tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def _contract(org, equipment, **kw):
    values = dict(
        actor=org.supervisor,
        number="BY-2026-007",
        customer=equipment.customer,
        unit=org.aftersales,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        equipment=[equipment],
        service_level="每季度保养一次",
    )
    values.update(kw)
    return contract_create(**values)


def test_contract_service_needs_a_contract_in_force(make_order, org, equipment):
    with pytest.raises(ApplicationError) as refused:
        make_order(equipment=equipment, service_type="B")
    assert "service_type" in refused.value.extra
    _contract(org, equipment)
    assert make_order(equipment=equipment, service_type="B").service_type == "B"


def test_a_contract_that_includes_parts_charges_nothing(on_site, org, equipment):
    """Parts 560 (GPS-T1). Contract with parts included: 0; labour is free under any contract."""
    _contract(org, equipment, parts_free=True)
    order = on_site(rulebook_key="field-service", equipment=equipment, service_type="B")
    order = workorder_record(
        order=order,
        actor=org.technician,
        expected_version=order.version,
        actions="更换终端",
        parts=[{"code": "GPS-T1", "quantity": 1}],
    )
    assert (order.labour_fee, order.parts_fee, order.fee_total) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def test_expiry_notice_once_a_month_before_with_a_renewal_visit(org, rulebooks, equipment):
    """Ends 31 Dec; notice days 30 → due from 1 Dec. On 30 Nov nothing; on 1 Dec one notice to the
    supervisor of 售后部 and one inspection order (D internal work); the next day nothing more."""
    contract = _contract(org, equipment)
    assert contracts_expiry_notices(now=datetime(2026, 11, 30, 8, tzinfo=SHANGHAI), notice_days=30) == 0
    assert contracts_expiry_notices(now=datetime(2026, 12, 1, 8, tzinfo=SHANGHAI), notice_days=30) == 1
    assert contracts_expiry_notices(now=datetime(2026, 12, 2, 8, tzinfo=SHANGHAI), notice_days=30) == 0
    contract = MaintenanceContract.objects.get(pk=contract.pk)
    visit = WorkOrder.objects.get(pk=contract.renewal_order_id)
    assert (visit.kind, visit.service_type, visit.unit) == ("inspection", "D", org.aftersales)
    told = Notification.objects.filter(message_code="workorders.contract_expiring")
    assert [n.recipient.username for n in told] == ["supervisor"]
