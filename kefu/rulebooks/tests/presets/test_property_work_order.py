"""002 Doc 4/13 物业客户服务部工作管理规定, preset `property-work-order`, on the 2026 calendar around 国庆
(holiday 10-01..10-07, make-up working day Sat 10-10).

5.2.4 "三个工作日内将《维修单》处理完毕,三个工作日内不能完成的,报物业服务中心负责人批准签字延期,二周内不能修复的,
报主任批准延期"; 5.2.5 "下水道,便池堵,水管渗漏; 换灯管(工作日); 门锁坏(工作日)…24小时内完成…若特殊情况24小时内
无法完成,由物业服务中心负责人签字延期,同时需取得业主的同意"; 5.1.3 "重大或紧急情况可先作业,后补单";
5.3.1.1 入住前清洁 "要求当天完成,或按与业主协商好的时间完成".
"""

import datetime as dt

import pytest
import time_machine

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step
from kefu.sla.extensions import clock_extend, clock_promise

pytestmark = pytest.mark.django_db
KEY = "property-work-order"


def order(when, org, customer, category, dispatch=False, **kw):
    case = register(
        when,
        org=org,
        customer=customer,
        rulebook=KEY,
        case_type="work_order",
        category=category,
        title="业主报修",
        fields={"room_no": "3-1-502"},
        **kw,
    )
    if dispatch:
        case = step(case, when, org.agent, "dispatch", unit=org.aftersales.pk, assignee=org.handler.pk)
    return case


def extend(case, who, amount, unit, **kw):
    case.refresh_from_db()
    return clock_extend(
        clock=clock(case, kw.pop("key", "finish")),
        actor=who,
        amount=amount,
        unit=unit,
        reason="需订购配件",
        expected_version=case.version,
        **kw,
    )


def test_engineering_three_working_days_then_the_centre_head_then_the_director(org, customer, rulebooks):
    """Wed 09-30 10:00 (day 0): 10-08, 10-09, Sat 10-10 (make-up) → due 10-10 17:30. The centre's head
    extends up to two weeks in all (7 more working days: 10-12 … 10-20 → 10-20 17:30); an eighth day
    is the Director's (deputy GM): → 10-21 17:30."""
    case = order(sh(2026, 9, 30, 10, 0), org, customer, "engineering", dispatch=True)
    assert clock(case, "finish").deadline == sh(2026, 10, 10, 17, 30)
    with time_machine.travel(sh(2026, 10, 9, 9, 0), tick=False):
        with pytest.raises(ForbiddenError):  # a supervisor does not sign extensions
            extend(case, org.supervisor, 1, "working_days")
        assert extend(case, org.manager, 7, "working_days").deadline == sh(2026, 10, 20, 17, 30)
        with pytest.raises(ForbiddenError):  # beyond two weeks: the Director
            extend(case, org.manager, 1, "working_days")
        assert extend(case, org.deputy_gm, 1, "working_days").deadline == sh(2026, 10, 21, 17, 30)


def test_drain_24_hours_lamp_on_working_days_extension_needs_the_owner(org, customer, rulebooks):
    """A blocked drain reported Fri 10-09 20:00 is due Sat 10-10 20:00 (elapsed hours). A lamp reported
    Fri 10-09 18:00 is due at the end of the next working day, the make-up Saturday 10-10 17:30. The
    centre's head extends the drain by 24 hours only with the owner's consent."""
    drain = order(sh(2026, 10, 9, 20, 0), org, customer, "drain_leak", dispatch=True)
    assert clock(drain, "urgent").deadline == sh(2026, 10, 10, 20, 0)
    lamp = order(sh(2026, 10, 9, 18, 0), org, customer, "lamp")
    assert clock(lamp, "urgent").deadline == sh(2026, 10, 10, 17, 30)
    assert clock(drain, "finish") is None
    with time_machine.travel(sh(2026, 10, 10, 12, 0), tick=False):
        with pytest.raises(ApplicationError) as refused:
            extend(drain, org.manager, 24, "hours", key="urgent")
        assert "customer_consent" in refused.value.extra
        extended = extend(drain, org.manager, 24, "hours", key="urgent", customer_consent=True)
    assert extended.deadline == sh(2026, 10, 11, 20, 0)


def test_emergency_works_first_and_the_order_needs_hours_and_the_owners_signature(org, customer, rulebooks):
    """5.1.3: only an emergency may skip dispatch and be worked first; 5.2.2–5.2.3 the department head
    reviews only an order with its hours and the owner's signature; then the receptionist calls back."""
    t0 = sh(2026, 10, 3, 2, 0)  # a burst pipe at night during the holiday
    normal = order(t0, org, customer, "engineering")
    with pytest.raises(ApplicationError):
        step(normal, t0, org.agent, "work_first", unit=org.aftersales.pk, assignee=org.handler.pk)
    case = order(t0, org, customer, "engineering", severity="emergency")
    case = step(case, t0, org.agent, "work_first", unit=org.aftersales.pk, assignee=org.handler.pk)
    case = step(case, t0 + dt.timedelta(hours=2), org.handler, "complete")
    with pytest.raises(ApplicationError) as refused:
        step(case, sh(2026, 10, 8, 9, 0), org.supervisor, "review", summary="工料核对无误")
    assert {"fields.labour_hours", "fields.owner_signed"} <= set(refused.value.extra), refused.value.extra
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 10, 8, 9, 0),
        org.supervisor,
        "review",
        summary="工料核对无误",
        fields={"labour_hours": 3, "owner_signed": True, "material_fee": "45.00"},
    )
    case = step(case, sh(2026, 10, 8, 10, 0), org.agent, "callback", note="业主确认已不漏水")
    assert case.status == "closed" and case.fields["material_fee"] == "45.00"


def test_premove_cleaning_same_day_unless_a_time_is_agreed(org, customer, rulebooks):
    """5.3.1.1: received Tue 03-03 10:00 → due the same working day 17:30; the owner asks for Friday
    morning, which the receptionist records as the promised time."""
    case = order(sh(2026, 3, 3, 10, 0), org, customer, "premove_cleaning")
    premove = clock(case, "premove")
    assert premove.deadline == sh(2026, 3, 3, 17, 30)
    with time_machine.travel(sh(2026, 3, 3, 10, 30), tick=False):
        promised = clock_promise(
            clock=premove,
            actor=org.agent,
            deadline=sh(2026, 3, 6, 10, 0),
            reason="业主要求周五上午",
            expected_version=case.version,
        )
    assert promised.deadline == sh(2026, 3, 6, 10, 0)
