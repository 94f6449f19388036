"""The API (create with Idempotency-Key, steps with versions) and the phone page's one-time tokens."""

import re

import pytest
from django.test import Client

from kefu.workorders.models import WorkOrder
from kefu.workorders.services import workorder_dispatch

pytestmark = pytest.mark.django_db


def test_api_create_is_retry_safe_and_steps_check_the_version(api, org, rulebooks, customer):
    client = api(org.agent)
    body = {"kind": "install", "customer": customer.pk, "description": "安装宽带和 IPTV", "unit": org.aftersales.pk}
    first = client.post("/api/v1/workorders/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-0042")
    again = client.post("/api/v1/workorders/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-0042")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"] and WorkOrder.objects.count() == 1
    pk = first.json()["id"]

    boss = api(org.supervisor)
    ok = boss.post(f"/api/v1/workorders/{pk}/dispatch/", {"version": 1, "technician": org.technician.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "dispatched"
    stale = boss.post(
        f"/api/v1/workorders/{pk}/dispatch/",
        {"version": 1, "technician": org.technician.pk, "reason": "x"},
        format="json",
    )
    assert stale.status_code == 409
    # The technician may not read the suggestions (supervisors only); another city's agent sees nothing.
    assert api(org.technician).get(f"/api/v1/workorders/{pk}/suggestions/").status_code == 403
    assert api(org.outsider).get(f"/api/v1/workorders/{pk}/").status_code == 404
    accepted = api(org.technician).post(f"/api/v1/workorders/{pk}/accept/", {"version": 2}, format="json")
    assert accepted.status_code == 200 and accepted.json()["technician"]["username"] == "technician"


def test_a_repeated_submit_of_the_phone_page_does_nothing_twice(make_order, org):
    """The same accept form sent twice (weak connection): accepted once, then "already done"."""
    order = make_order()
    workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    client = Client()
    client.force_login(org.technician)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    form = re.search(r'id="step-accept".*?</form>', page, re.S).group(0)
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    data = {"version": "2", "form_token": token}
    client.post(f"/workorders/{order.pk}/accept/", data)
    second = client.post(f"/workorders/{order.pk}/accept/", data, follow=True)
    order.refresh_from_db()
    assert order.status == "accepted" and order.version == 3
    assert order.events.filter(kind="accepted").count() == 1
    assert "此操作已完成（表单重复提交），未重复执行。" in second.content.decode()
