"""002 Doc 5 物业客户投诉处理工作管理规定, preset `property-complaint`, on the 2026 calendar (春节).

第1条 24 小时内反馈客户中心前台; 第2条 12 小时内向相关部门传递; 第5条 处理妥善后 2 小时内反馈, 回访 2 个工作日内;
第6条 紧急抢险抢修、重要重大 "3分钟内知会相关部门…接报后的5分钟内上报物业公司主管领导"; 第7条 "10分钟内电话上报
董事领导". The minute-level escalation is walked through the sweep in kefu/sla/tests/test_emergency_ladder.py.
"""

import datetime as dt

import pytest

from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.tests.presets.kit import clock, clocks, register, sh, step

pytestmark = pytest.mark.django_db


def test_routine_complaint_24h_12h_and_callback_over_spring_festival(org, customer, rulebooks):
    """Fri 02-13 20:00: front desk by Sat 02-14 20:00, dispatched by Sat 02-14 08:00 (elapsed hours);
    verified that night → callback within 2 working days: Sat 02-14 (make-up) is day 1, the festival
    (02-15..02-23) does not count, Tue 02-24 is day 2 → due 02-24 17:30."""
    t0 = sh(2026, 2, 13, 20, 0)
    case = register(
        t0, org=org, customer=customer, rulebook="property-complaint", case_type="complaint", category="routine"
    )
    found = clocks(case)
    assert found["front_desk"].deadline == sh(2026, 2, 14, 20, 0)
    assert found["dispatch"].deadline == sh(2026, 2, 14, 8, 0)
    assert "emergency_notify" not in found
    case = step(case, t0 + dt.timedelta(hours=1), org.agent, "forward")
    case = step(
        case, t0 + dt.timedelta(hours=2), org.agent, "dispatch", unit=org.aftersales.pk, assignee=org.handler.pk
    )
    case = step(case, t0 + dt.timedelta(hours=3), org.handler, "resolve", cause="楼道灯损坏", responsibility="company")
    assert clock(case, "report_back").deadline == t0 + dt.timedelta(hours=5)
    case = step(case, t0 + dt.timedelta(hours=3, minutes=30), org.handler, "report_back")
    case = step(case, t0 + dt.timedelta(hours=3, minutes=40), org.agent, "verify")
    assert clock(case, "callback").deadline == sh(2026, 2, 24, 17, 30)
    with pytest.raises(ApplicationError):  # the callback needs its note
        step(case, sh(2026, 2, 24, 10, 0), org.agent, "callback")
    case.refresh_from_db()
    case = step(case, sh(2026, 2, 24, 10, 0), org.agent, "callback", note="业主确认灯已修好")
    assert case.status == "closed" and clock(case, "callback").status == "met"


def test_a_major_matter_gets_the_3_minute_notice_and_the_leaders_ladder(org, customer, rulebooks):
    """第6条 covers 重要重大 matters as well as emergencies: a routine-category complaint graded major at
    03:00 on 春节 (Mon 02-16) must be passed on by 03:03; the leaders' clock counts from receipt, its
    10 minutes end at 03:10 — holidays do not stop minute-level clocks."""
    t0 = sh(2026, 2, 16, 3, 0)
    case = register(
        t0,
        org=org,
        customer=customer,
        rulebook="property-complaint",
        case_type="complaint",
        category="routine",
        severity="major",
    )
    assert clock(case, "emergency_notify").deadline == sh(2026, 2, 16, 3, 3)
    resolve = clock(case, "emergency_resolve")
    assert resolve.deadline == sh(2026, 2, 16, 3, 10) and resolve.escalate_from_start
