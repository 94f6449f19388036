"""004 D13 客户服务投诉管理制度 (with D14's big-customer dimensions), preset `telecom-complaint`, around 国庆 2026.

D13 五 "一个工作日内展开调查,核实状况后做出相应措施,二个工作日内给予客户满意回复"; 四(一)2 "如果投诉不能成立,用婉转的
方式答复客户"; 四(四)2 "存档于OA系统,部门主管、总经理可分权限查阅".
"""

import pytest

from kefu.cases.models import Case
from kefu.core.exceptions import ApplicationError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step

pytestmark = pytest.mark.django_db
T0 = sh(2026, 9, 30, 10, 0)


def complaint(org, customer):
    return register(
        T0,
        org=org,
        customer=customer,
        rulebook="telecom-complaint",
        case_type="complaint",
        category="efficiency",
        fields={"big_customer": True, "qos_dimension": "install_repair"},
        title="专线装机延误",
    )


def test_one_and_two_working_days_across_national_day_and_the_full_path(org, customer, rulebooks):
    """Wed 09-30 (day 0): investigation started by Thu 10-08 17:30, satisfactory reply by Fri 10-09
    17:30. Walked: stands → OA to the supervisor → facts → solution → customer satisfied → return
    visit → evaluation."""
    case = complaint(org, customer)
    assert clock(case, "start_investigation").deadline == sh(2026, 10, 8, 17, 30)
    assert clock(case, "satisfied_reply").deadline == sh(2026, 10, 9, 17, 30)
    case = step(case, T0, org.agent, "valid")
    case = step(case, T0, org.agent, "to_department", unit=org.aftersales.pk, assignee=org.supervisor.pk)
    assert clock(case, "start_investigation").status == "met"
    case = step(case, sh(2026, 10, 8, 10, 0), org.supervisor, "finding", cause="施工排期冲突", responsibility="company")
    case = step(case, sh(2026, 10, 8, 11, 0), org.supervisor, "propose", comment="10-10 加班安装并减免当月月租")
    case = step(
        case, sh(2026, 10, 8, 14, 0), org.supervisor, "reply", reply="我们将于 10 月 10 日为您安装并减免当月月租。"
    )
    case = step(case, sh(2026, 10, 9, 16, 0), org.supervisor, "satisfied")
    assert clock(case, "satisfied_reply").status == "met"
    case = step(case, sh(2026, 10, 10, 9, 0), org.agent, "start_visit")
    case = step(case, sh(2026, 10, 10, 9, 30), org.agent, "return_visit", note="客户确认已开通")
    case = step(case, sh(2026, 10, 10, 10, 0), org.agent, "evaluate", summary="排期需预留节后缓冲")
    assert case.status == "closed"


def test_the_archive_is_read_by_permission(org, customer, rulebooks):
    """D13 四(四)2: the department's supervisor (once it is theirs) and the general manager read it;
    the deputy GM, quality and another city's staff do not."""
    case = complaint(org, customer)
    case = step(case, T0, org.agent, "valid")
    case = step(case, T0, org.agent, "to_department", unit=org.aftersales.pk, assignee=org.supervisor.pk)

    def sees(user):
        return Case.objects.visible_to(user).filter(pk=case.pk).exists()

    assert sees(org.agent) and sees(org.supervisor) and sees(org.gm)
    assert not sees(org.deputy_gm) and not sees(org.quality) and not sees(org.outsider_supervisor)


def test_a_complaint_that_does_not_stand_is_answered_with_the_reason(org, customer, rulebooks):
    """D13 四(一)2: not valid → a tactful reply, which is the reason given."""
    case = complaint(org, customer)
    with pytest.raises(ApplicationError):
        step(case, T0, org.agent, "not_valid")
    case.refresh_from_db()
    case = step(case, T0, org.agent, "not_valid", reason="经核实装机时间已按合同约定，向客户耐心说明")
    assert case.status == "closed" and case.reply.startswith("经核实")
