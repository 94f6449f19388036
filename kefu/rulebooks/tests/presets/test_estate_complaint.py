"""000 篇1 住宅区来访投诉接待, preset `estate-complaint`, around 春节 2026 (holiday 02-15..02-23, make-up
working days Sat 02-14 and Sat 02-28).

一.3 "接待人员应及时进行记录,当天进行调查、核实,然后将处理结果汇报管理处责任部门和主任;不能解决的…由主任决定处理
办法"; 一.5 "在处理完毕后应将结果回复住户和管理处主任".
"""

import pytest

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step

pytestmark = pytest.mark.django_db


def complaint(org, customer, when):
    return register(
        when,
        org=org,
        customer=customer,
        rulebook="estate-complaint",
        case_type="complaint",
        category="environment",
        channel="visit",
        title="垃圾清运不及时",
    )


@pytest.mark.parametrize(
    "received, due",
    [
        (sh(2026, 2, 13, 16, 0), sh(2026, 2, 13, 17, 30)),  # Friday afternoon: the same day
        (sh(2026, 2, 14, 10, 0), sh(2026, 2, 14, 17, 30)),  # the make-up Saturday is a working day
        (sh(2026, 2, 15, 10, 0), sh(2026, 2, 24, 17, 30)),  # on 春节: the first working day after it
        (sh(2026, 2, 13, 18, 0), sh(2026, 2, 14, 17, 30)),  # after hours: the next working day
    ],
)
def test_checked_the_same_working_day(org, customer, rulebooks, received, due):
    assert clock(complaint(org, customer, received), "check").deadline == due


def test_what_the_receiver_cannot_solve_the_director_decides(org, customer, rulebooks):
    """一.3: checked the same day (met); referred to the 主任 with the reason; only the 主任 decides; the
    result goes back to the resident and the 主任 (一.5)."""
    # The 管理处主任 heads the whole management office (the city company in the fixture organisation).
    director = User.objects.create_user(username="director", password="pw-director", role=Role.MANAGER, unit=org.city)
    t0 = sh(2026, 3, 3, 9, 0)
    case = complaint(org, customer, t0)
    case = step(case, sh(2026, 3, 3, 15, 0), org.agent, "check", cause="清运车辆故障两天", responsibility="company")
    assert clock(case, "check").status == "met"
    with pytest.raises(ApplicationError):  # the referral says why
        step(case, sh(2026, 3, 3, 15, 30), org.agent, "to_director")
    case.refresh_from_db()
    case = step(case, sh(2026, 3, 3, 15, 30), org.agent, "to_director", comment="需外包清运，超出物管员权限")
    with pytest.raises(ForbiddenError):
        step(case, sh(2026, 3, 4, 9, 0), org.agent, "decide", unit=org.aftersales.pk, assignee=org.handler.pk)
    case.refresh_from_db()
    case = step(case, sh(2026, 3, 4, 9, 0), director, "decide", unit=org.aftersales.pk, assignee=org.handler.pk)
    case = step(case, sh(2026, 3, 4, 16, 0), org.handler, "reply", reply="已临时外包清运，每日两次。")
    case = step(case, sh(2026, 3, 4, 16, 30), org.agent, "close")
    assert case.status == "closed"
