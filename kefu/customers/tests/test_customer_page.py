"""The customer page's new parts by role: tier with its reason, tags, unit files and their documents,
equipment, birthdays masked like phone numbers (the birth year only after the logged "show"), tag
changes by those who may edit the file, and the timeline without an anonymous complaint for the handler."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse

from kefu.cases import events
from kefu.cases.services import case_transition
from kefu.customers.models import PersonalDataAccess, Tag
from kefu.customers.services import contact_add, customer_file_update, customer_tag, unit_add
from kefu.workorders.services.equipment import equipment_create


def _route(case, org, by):
    for name, data in (("establish", {}), ("route", {"unit": org.aftersales.pk, "assignee": org.handler.pk})):
        case = case_transition(case=case, actor=by, transition=name, expected_version=case.version, data=data)
    events.dispatch_pending()
    return case


def test_the_agent_sees_the_whole_file_masked_until_shown(client, org, customer, customer_rules):
    contact_add(customer=customer, name="王太太", phone="13812340000", birthday=date(1975, 1, 1), role="end_user")
    customer_file_update(customer=customer, annual_revenue=Decimal("6000000"), owner=org.agent)
    customer_tag(customer=customer, name="老客户")
    unit_add(customer=customer, estate="翠苑一区", building="3", unit="2", room="501", documents=["入伙会签单"])
    equipment_create(actor=org.agent, customer=customer, model_name="格力 KFR-35GW", serial_no="GL2024001")
    client.force_login(org.agent)
    url = reverse("web:customer", args=[customer.code])
    html = client.get(url).content.decode()
    for text in ("VIP客户", "6,000,000", "老客户", "翠苑一区3栋2单元501室", "入伙会签单", "格力 KFR-35GW", "01-01"):
        assert text in html, text
    assert "1975-01-01" not in html and "138****0000" in html and "13812340000" not in html
    shown = client.post(url, {"action": "reveal"}).content.decode()
    assert "1975-01-01" in shown and "13812340000" in shown
    assert PersonalDataAccess.objects.filter(viewer=org.agent, customer=customer).count() == 1


def test_a_manager_reads_masked_and_may_not_tag(client, org, make_case, customer):
    contact_add(customer=customer, name="王太太", phone="13812340000", birthday=date(1975, 1, 1))
    _route(make_case(), org, org.agent)
    client.force_login(org.manager)
    url = reverse("web:customer", args=[customer.code])
    html = client.get(url).content.decode()
    assert "1975-01-01" not in html and "13812340000" not in html and "new-tag" not in html
    refused = client.post(url, {"action": "tag", "tag": "投诉大户"})
    assert refused.status_code == 400 and not Tag.objects.exists()
    client.force_login(org.agent)
    assert client.post(url, {"action": "tag", "tag": "投诉大户"}).status_code == 302
    assert list(customer.tags.values_list("name", flat=True)) == ["投诉大户"]


def test_the_page_timeline_leaves_out_the_anonymous_complaint_for_the_handler(client, org, make_case, customer):
    named = _route(make_case(title="维修不及时"), org, org.agent)
    secret = _route(make_case(actor=org.agent2, title="维修工索要好处费", is_anonymous=True), org, org.agent2)
    client.force_login(org.handler)
    page = client.get(reverse("web:customer", args=[customer.code]))
    numbers = {e.extra.get("number") for e in page.context["timeline"]}
    assert named.number in numbers and secret.number not in numbers
    assert secret.number not in page.content.decode()
