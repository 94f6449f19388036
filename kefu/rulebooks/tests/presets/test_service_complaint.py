"""000 篇2 客户服务投诉管理制度, preset `service-complaint`, around 国庆 2026.

五、客户投诉期限 "一个工作日内展开调查,核实状况后做出相应措施,二个工作日内给予客户满意回复"; 四(一)2 "如果投诉不能
成立,用婉转的方式答复客户". The approval limits are the preset's (篇2 has none).
"""

import pytest

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step

pytestmark = pytest.mark.django_db
T0 = sh(2026, 9, 30, 10, 0)


def complaint(org, customer):
    return register(
        T0, org=org, customer=customer, rulebook="service-complaint", case_type="complaint", category="attitude"
    )


def test_one_and_two_working_days_across_national_day_and_the_main_path(org, customer, rulebooks):
    """Wed 09-30 (day 0): investigation by Thu 10-08 17:30, satisfactory reply by Fri 10-09 17:30."""
    case = complaint(org, customer)
    assert clock(case, "start_investigation").deadline == sh(2026, 10, 8, 17, 30)
    assert clock(case, "reply").deadline == sh(2026, 10, 9, 17, 30)
    case = step(case, T0, org.agent, "establish")
    case = step(case, T0, org.agent, "route", unit=org.aftersales.pk, assignee=org.handler.pk)
    case = step(
        case, sh(2026, 10, 8, 9, 0), org.handler, "finding", cause="维修员迟到且态度生硬", responsibility="company"
    )
    case = step(
        case,
        sh(2026, 10, 8, 10, 0),
        org.handler,
        "propose_remedy",
        remedies=[{"kind": "allowance", "amount": "200", "description": "上门费减免"}],
    )
    with pytest.raises(ForbiddenError):
        step(case, sh(2026, 10, 8, 11, 0), org.agent, "approve")
    case.refresh_from_db()
    case = step(case, sh(2026, 10, 8, 11, 0), org.manager, "approve")
    case = step(case, sh(2026, 10, 9, 9, 0), org.handler, "reply", reply="非常抱歉，已减免上门费并更换维修员。")
    assert clock(case, "reply").status == "met"


def test_a_complaint_that_does_not_stand_needs_the_reason(org, customer, rulebooks):
    case = complaint(org, customer)
    with pytest.raises(ApplicationError):
        step(case, T0, org.agent, "not_established")
    case.refresh_from_db()
    case = step(case, T0, org.agent, "not_established", reason="经核实上门时间符合预约，已向客户说明")
    assert case.status == "closed"
