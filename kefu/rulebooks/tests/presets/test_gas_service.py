"""004 D16 燃气客户服务管理办法, preset `gas-service`, on 春节 2026 (elapsed hours: holidays do not stop them).

三.2 "燃气管网故障,一般故障原则上在6小时内处理、24小时内修复"; 二.2(1) "重大抢险及时向领导汇报"; 三.3 "对上门维修
服务质量进行满意度回访,并做好记录".
"""

import datetime as dt

import pytest

from kefu.core.exceptions import ForbiddenError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step
from kefu.sla.models import Notification
from kefu.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db
T0 = sh(2026, 2, 16, 22, 0)  # 除夕 night, inside the 春节 holiday


def fault(org, customer, **kw):
    return register(
        T0,
        org=org,
        customer=customer,
        rulebook="gas-service",
        case_type="repair",
        category="network_fault",
        fields={"address": "矿区南路 18 号"},
        channel="hotline",
        title="管网压力异常",
        **kw,
    )


def test_handled_in_6_hours_repaired_in_24_then_visited(org, customer, rulebooks):
    """Reported 02-16 22:00 → handled by 02-17 04:00, repaired by 02-17 22:00; a repair at 02-17 20:00 is
    in time; the satisfaction visit closes it."""
    case = fault(org, customer)
    assert clock(case, "handle").deadline == sh(2026, 2, 17, 4, 0)
    assert clock(case, "restore").deadline == sh(2026, 2, 17, 22, 0)
    assert clock(case, "major_report") is None
    case = step(
        case, T0 + dt.timedelta(minutes=5), org.agent, "issue_task", unit=org.team.pk, assignee=org.technician.pk
    )
    with pytest.raises(ForbiddenError):  # the call centre does not report arrival for the repairer
        step(case, T0 + dt.timedelta(minutes=40), org.agent, "arrive")
    case.refresh_from_db()
    case = step(case, T0 + dt.timedelta(minutes=40), org.technician, "arrive")
    case = step(case, T0 + dt.timedelta(hours=3), org.technician, "handled")
    assert clock(case, "handle").status == "met"
    case = step(case, sh(2026, 2, 17, 20, 0), org.technician, "repaired", cause="调压器故障", responsibility="company")
    assert clock(case, "restore").status == "met"
    case = step(case, sh(2026, 2, 18, 10, 0), org.agent, "return_visit", note="用户满意")
    case = step(case, sh(2026, 2, 18, 10, 5), org.agent, "close")
    assert case.status == "closed"


def test_a_major_emergency_is_reported_to_the_leaders_at_once(org, customer, rulebooks):
    """二.2(1): the deputy GM and the GM are told by the first sweep after registration."""
    case = fault(org, customer, severity="major")
    sla_sweep(now=T0 + dt.timedelta(seconds=30))
    told = set(
        Notification.objects.filter(notice__clock=clock(case, "major_report")).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"deputy_gm", "gm"}
