"""The customer's own actions on a case (kefu/cases/services/customer.py), against the service-complaint
preset (篇2 五: "二个工作日内给予客户满意回复" — the customer's acceptance closes the loop)."""

import pytest

from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseEvent
from kefu.cases.services import (
    case_customer_answer,
    case_register_by_customer,
    case_transition,
    customer_may_answer,
    portal_actor,
)
from kefu.core.exceptions import ApplicationError, ConflictError


def walk(case, steps):
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    return case


def awaiting_customer(org, case):
    return walk(
        case,
        [
            ("establish", org.agent, {}),
            ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
            ("finding", org.handler, {"cause": "技术员迟到两小时", "responsibility": "company"}),
            ("propose_remedy", org.handler, {"remedies": [{"kind": "allowance", "amount": "200"}]}),
            ("approve", org.manager, {}),
            ("reply", org.handler, {"reply": "已致歉，补偿 200 元"}),
        ],
    )


def test_a_customer_files_a_complaint_by_the_web_channel_recorded_as_from_the_customer(org, rulebooks, customer):
    case, created = case_register_by_customer(
        case_type="complaint",
        customer=customer,
        title="师傅迟到",
        description="约好九点，十一点才到。",
        category="attitude",
    )
    assert created and case.channel == "web" and case.stage == "registered"
    assert case.receiver.username == "kefu-portal" and not case.receiver.is_active
    registered = case.events.get(kind=EventKind.REGISTERED)
    assert registered.data["via"] == "customer"
    assert case.clocks.filter(key="start_investigation").exists()  # the engine's clocks run as for any case


def test_the_portal_unit_setting_puts_customer_cases_in_that_units_queue(org, rulebooks, customer, settings):
    settings.KEFU_PORTAL_UNIT = "hz-cs"
    case, _ = case_register_by_customer(
        case_type="repair", customer=customer, title="空调不制冷", description="开机半小时仍是热风。", category="fault"
    )
    assert case.receiving_unit == org.service
    assert Case.objects.visible_to(org.cs_supervisor).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(org.outsider_supervisor).filter(pk=case.pk).exists()


def test_the_same_form_token_twice_registers_one_case(org, rulebooks, customer):
    first, created = case_register_by_customer(
        case_type="complaint",
        customer=customer,
        title="师傅迟到",
        description="两小时。",
        idempotency_key="portal-abc123456",
    )
    again, created_again = case_register_by_customer(
        case_type="complaint",
        customer=customer,
        title="师傅迟到",
        description="两小时。",
        idempotency_key="portal-abc123456",
    )
    assert created and not created_again and again.pk == first.pk
    assert Case.objects.filter(customer=customer).count() == 1


def test_the_customer_accepts_the_reply_and_the_case_moves_on_as_the_customers_answer(org, make_case):
    case = awaiting_customer(org, make_case())
    assert customer_may_answer(case)
    case = case_customer_answer(case=case, accept=True, expected_version=case.version)
    assert case.customer_accepted is True and case.stage == "return_visit"
    last = case.events.order_by("-case_version").first()
    assert last.transition == "customer_accept" and last.data["via"] == "customer"
    assert last.actor == portal_actor()
    assert not customer_may_answer(case)


def test_the_customer_rejects_with_a_reason_and_the_follow_up_case_opens(org, make_case):
    case = awaiting_customer(org, make_case())
    case = case_customer_answer(case=case, accept=False, reason="补偿太少", expected_version=case.version)
    follow_up = case.follow_ups.get()
    assert case.customer_accepted is False and case.status == CaseStatus.OPEN
    assert follow_up.description == "补偿太少" and follow_up.stage == "registered"
    assert case.events.order_by("-case_version").first().data["follow_up"] == follow_up.number


def test_a_rejection_needs_a_reason_and_writes_nothing_without_one(org, make_case):
    case = awaiting_customer(org, make_case())
    with pytest.raises(ApplicationError) as err:
        case_customer_answer(case=case, accept=False, reason="  ", expected_version=case.version)
    assert "reason" in err.value.extra
    case.refresh_from_db()
    assert case.stage == "awaiting_customer" and not case.follow_ups.exists()


def test_no_answer_is_taken_while_the_case_is_not_waiting_for_one(org, make_case):
    case = make_case()
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(ApplicationError):
        case_customer_answer(case=case, accept=True, expected_version=case.version)
    assert CaseEvent.objects.filter(case=case).count() == events


def test_a_second_answer_on_a_stale_page_is_refused(org, make_case):
    case = awaiting_customer(org, make_case())
    seen = case.version
    case_customer_answer(case=case, accept=True, expected_version=seen)
    with pytest.raises(ConflictError):
        case_customer_answer(case=case, accept=False, reason="改主意了", expected_version=seen)
    assert not Case.objects.get(pk=case.pk).follow_ups.exists()
