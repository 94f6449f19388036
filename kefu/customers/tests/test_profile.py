"""The complete customer file: contacts with roles and birthdays, unit files with their documents
(002 Doc 14), tags, and tiers from the rulebook's `customer_tiers` (004 D18 第二章 1), each change with
its history row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kefu.customers.choices import ContactRole, CustomerEventKind
from kefu.customers.models import Customer, CustomerEvent, ResidentUnit
from kefu.customers.services import (
    contact_add,
    customer_create,
    customer_file_update,
    customer_tag,
    customer_tier_recompute,
    customer_untag,
    unit_add,
    unit_documents_set,
)


def test_tiers_follow_the_rulebook_and_say_why(customer_rules, org):
    """004 D18 第二章 1: "VIP客户【指累计认购基金份额500 万以上】、高级净值客户【300万-500万(不含)】…目标净值客户
    【指潜在的可能认购…】"; key accounts (grade key) come first whatever the amount."""
    hotel = customer_create(name="杭州丽华酒店", phone="0571-88886666", customer_type="enterprise")
    hotel = customer_file_update(customer=hotel, annual_revenue=Decimal("5000000"), actor=org.agent)
    assert (hotel.tier, hotel.tier_label) == ("vip", "VIP客户")
    assert "5,000,000" in hotel.tier_reason
    hotel = customer_file_update(customer=hotel, annual_revenue=Decimal("4999999.99"), actor=org.agent)
    assert hotel.tier_label == "高级净值客户"
    hotel = customer_file_update(customer=hotel, grade="key", actor=org.agent)
    assert (hotel.tier_label, hotel.tier_reason) == ("重点客户", "等级 重点客户")  # in the site's language
    newcomer = customer_tier_recompute(customer=customer_create(name="李四", phone="13900001111"))
    assert (newcomer.tier_label, newcomer.tier_reason) == ("目标净值客户", "未满足任何分级条件")
    kinds = list(
        CustomerEvent.objects.filter(customer=hotel, kind=CustomerEventKind.TIER)
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert kinds == ["— → VIP客户（年度业务额 5,000,000 元 ≥ 5,000,000 元）", *kinds[1:]] and len(kinds) == 3


def test_a_tag_can_decide_a_tier_and_lists_filter_by_tag(load_customer_rules, org, api):
    load_customer_rules(
        ("- {code: key, label: 重点客户, grades: [key]}", "- {code: key, label: 重点客户, tags: [重点保障]}")
    )
    hospital = customer_create(name="杭州市第一人民医院", phone="0571-87065701", customer_type="government")
    other = customer_create(
        name="杭州市第一人民医院", phone="0574-87065701", customer_type="government"
    )  # 宁波, same name
    customer_tag(customer=hospital, name="重点保障", actor=org.agent)
    customer_tag(customer=hospital, name="重点保障", actor=org.agent)  # twice: one tag, one history row
    hospital.refresh_from_db()
    assert hospital.tier_label == "重点客户" and hospital.tier_reason == "标签 重点保障"
    body = api(org.agent).get("/api/v1/customers/", {"tag": "重点保障"}).json()
    assert [c["id"] for c in body["results"]] == [hospital.pk]
    assert body["results"][0]["tags"] == ["重点保障"] and body["results"][0]["tier_label"] == "重点客户"
    assert [c["id"] for c in api(org.agent).get("/api/v1/customers/", {"tier": "key"}).json()["results"]] == [
        hospital.pk
    ]
    customer_untag(customer=hospital, name="重点保障", actor=org.agent)
    hospital.refresh_from_db()
    assert hospital.tier_label == "目标净值客户" and other.tags.count() == 0
    assert list(CustomerEvent.objects.filter(customer=hospital).values_list("kind", flat=True).order_by("pk")) == [
        "contact_added",
        "tagged",
        "tier",
        "untagged",
        "tier",
    ]


def test_a_bad_tier_section_is_refused_when_the_rulebook_is_loaded(load_customer_rules):
    with pytest.raises(Exception, match="customer_tiers"):
        load_customer_rules(("revenue_at_least: 5000000", "revenue_at_least: -1"))


def test_contacts_carry_their_role_and_birthday(customer, org):
    owner = contact_add(
        customer=customer,
        name="王建国",
        phone="13812345678",
        role=ContactRole.EQUIPMENT_OWNER,
        birthday=date(1970, 2, 14),
        actor=org.agent,
    )
    user = contact_add(customer=customer, name="王小明", phone="13812340000", role=ContactRole.END_USER)
    assert (owner.role, owner.birthday, user.role) == ("equipment_owner", date(1970, 2, 14), "end_user")
    event = CustomerEvent.objects.filter(customer=customer).latest("pk")
    assert event.summary == f"王小明（{user.get_role_display()}）"


def test_unit_files_list_their_documents_and_history_says_what_changed(customer, org):
    """002 Doc 14 一: "住户档案应按栋按单元号，每一套房建立一个档案" with 《入伙会签单》… 业主身份证复印证 …"""
    flat = unit_add(
        customer=customer,
        estate="翠苑一区",
        building="3",
        unit="2",
        room="501",
        documents=["入伙会签单", "临时管理规约", "入伙会签单", " "],
        actor=org.agent,
    )
    assert flat.documents == ["入伙会签单", "临时管理规约"] and str(flat) == "翠苑一区3栋2单元501室"
    unit_documents_set(unit=flat, documents=["入伙会签单", "装修承诺书"], actor=org.agent)
    flat.refresh_from_db()
    assert flat.documents == ["入伙会签单", "装修承诺书"]
    last = CustomerEvent.objects.filter(customer=customer).latest("pk")
    assert last.kind == CustomerEventKind.UNIT_DOCUMENTS and last.data == {
        "unit": flat.pk,
        "added": ["装修承诺书"],
        "removed": ["临时管理规约"],
    }
    with pytest.raises(ValidationError):  # the same flat twice
        unit_add(customer=customer, estate="翠苑一区", building="3", unit="2", room="501")
    with pytest.raises(ValidationError) as refused:
        unit_documents_set(unit=flat, documents=["x" * 101])
    assert "documents" in refused.value.message_dict
    assert ResidentUnit.objects.count() == 1 and Customer.objects.count() == 1
