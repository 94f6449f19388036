"""Maintenance contracts API and pages (D11 B and 15): expiring soonest first (ended ones apart), the covered equipment,
the orders under the contract, the expiry notice and renewal visit, renewal through the service."""

from datetime import date, datetime

import pytest
from django.test import Client

from kefu.workorders.models import MaintenanceContract
from kefu.workorders.services import contract_create, contracts_expiry_notices
from kefu.workorders.tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def _contract(org, equipment, number, ends_on, **kw):
    return contract_create(
        actor=org.supervisor,
        number=number,
        customer=equipment.customer,
        unit=org.aftersales,
        starts_on=date(2026, 1, 1),
        ends_on=ends_on,
        equipment=[equipment],
        **kw,
    )


def test_the_list_shows_the_contracts_expiring_soonest_first_and_ended_ones_last(api, org, equipment):
    _contract(org, equipment, "BY-2026-LATE", date(2027, 6, 30))
    _contract(org, equipment, "BY-2026-SOON", date(2026, 12, 20))
    _contract(org, equipment, "BY-2026-OVER", date(2026, 3, 31))
    listed = api(org.supervisor).get("/api/v1/workorders/contracts/").json()["results"]
    assert [c["number"] for c in listed] == ["BY-2026-SOON", "BY-2026-LATE"]
    ended = api(org.supervisor).get("/api/v1/workorders/contracts/?ended=true").json()["results"]
    assert [c["number"] for c in ended] == ["BY-2026-OVER"]
    # Another city's supervisor and a technician see none of them.
    assert api(org.outsider_supervisor).get("/api/v1/workorders/contracts/").json()["results"] == []
    assert api(org.technician).get("/api/v1/workorders/contracts/").json()["results"] == []


def test_detail_shows_equipment_orders_notice_and_renewal_and_renewal_happens_once(api, org, equipment, make_order):
    contract = _contract(org, equipment, "BY-2026-007", date(2026, 12, 20), service_level="每季度保养一次")
    order = make_order(equipment=equipment, service_type="B")
    contracts_expiry_notices(now=datetime(2026, 11, 25, 7, 30, tzinfo=SHANGHAI), notice_days=30)
    boss = api(org.supervisor)
    body = boss.get(f"/api/v1/workorders/contracts/{contract.pk}/").json()
    assert [e["serial_no"] for e in body["equipment"]] == ["SN2024000123"]
    contract.refresh_from_db()
    assert {o["number"] for o in body["orders"]} == {order.number, contract.renewal_order.number}
    assert body["notice_sent_at"] is not None and body["renewal_status"] == "new"
    assert body["renewed_by"] is None

    renewed = boss.post(
        f"/api/v1/workorders/contracts/{contract.pk}/renew/",
        {"number": "BY-2027-007", "ends_on": "2027-12-20"},
        format="json",
    )
    assert renewed.status_code == 201
    assert renewed.json()["starts_on"] == "2026-12-21" and renewed.json()["renews"] == "BY-2026-007"
    assert renewed.json()["service_level"] == "每季度保养一次"
    again = boss.post(
        f"/api/v1/workorders/contracts/{contract.pk}/renew/",
        {"number": "BY-2027-008", "ends_on": "2027-12-20"},
        format="json",
    )
    assert again.status_code == 409 and MaintenanceContract.objects.count() == 2
    assert boss.get(f"/api/v1/workorders/contracts/{contract.pk}/").json()["renewed_by"] == "BY-2027-007"

    page = Client()
    page.force_login(org.supervisor)
    html = page.get(f"/workorders/contracts/{contract.pk}/").content.decode()
    assert "BY-2027-007" in html and contract.renewal_order.number in html and "SN2024000123" in html
    assert "BY-2026-007" in page.get("/workorders/contracts/").content.decode()


def test_create_through_the_api_checks_the_role_and_the_term(api, org, equipment):
    body = {
        "number": "BY-2026-NEW",
        "customer": equipment.customer_id,
        "unit": org.aftersales.pk,
        "starts_on": "2026-12-01",
        "ends_on": "2027-11-30",
        "equipment": [equipment.pk],
        "parts_free": True,
    }
    assert api(org.technician).post("/api/v1/workorders/contracts/", body, format="json").status_code == 403
    wrong = api(org.supervisor).post("/api/v1/workorders/contracts/", {**body, "ends_on": "2026-01-01"}, format="json")
    assert wrong.status_code == 400 and "ends_on" in wrong.json()["errors"]
    made = api(org.supervisor).post("/api/v1/workorders/contracts/", body, format="json")
    assert made.status_code == 201 and made.json()["parts_free"] is True
    assert [e["id"] for e in made.json()["equipment"]] == [equipment.pk]
