"""002 Doc 11 商场(商铺)客户投诉处理管理规定, preset `mall-complaint`, around 国庆 2026.

三.1 "原则上客户抱怨处理期限自商管部受理起24小时内给客户以回复"; 五 "对于逾期案件应开立催办单催促商管部处理";
四.1 "客户部每月10日前应审视上月份结案的客户投诉案件"; 四.2 奖罚通知单 "呈总经理核准".
"""

import datetime as dt

import pytest

from kefu.cases.services import case_update_fields
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step
from kefu.sla.models import Notification
from kefu.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db
T0 = sh(2026, 9, 30, 15, 0)


def accepted(org, customer):
    case = register(
        T0,
        org=org,
        customer=customer,
        rulebook="mall-complaint",
        case_type="complaint",
        category="goods",
        fields={"shop_no": "B1-023"},
    )
    return step(
        case, T0 + dt.timedelta(hours=1), org.agent, "to_mall_office", unit=org.aftersales.pk, assignee=org.handler.pk
    )


def test_24_hours_from_the_mall_office_and_a_chasing_note_when_late(org, customer, rulebooks):
    """Accepted by the 商管部 09-30 16:00 → reply due 10-01 16:00, the holiday notwithstanding; at 16:00
    the 催办单 goes to the handler and the 商管部 head. The reply needs the responsible party."""
    case = accepted(org, customer)
    assert clock(case, "reply").deadline == sh(2026, 10, 1, 16, 0)
    sla_sweep(now=sh(2026, 10, 1, 16, 0))
    told = set(
        Notification.objects.filter(notice__clock=clock(case, "reply")).values_list("recipient__username", flat=True)
    )
    assert {"handler", "manager"} <= told
    with pytest.raises(ApplicationError):
        step(case, sh(2026, 10, 1, 17, 0), org.handler, "reply", reply="经查为商户责任，予以退货。")
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 10, 1, 17, 0),
        org.handler,
        "reply",
        reply="经查为商户责任，予以退货。",
        fields={"responsible_party": "tenant"},
    )
    assert clock(case, "reply").status == "missed"


def conclude(org, customer, when):
    case = accepted(org, customer)
    case = step(
        case, T0 + dt.timedelta(hours=3), org.handler, "reply", reply="予以退货", fields={"responsible_party": "tenant"}
    )
    case = step(case, T0 + dt.timedelta(hours=4), org.handler, "repaired")
    case = step(
        case, T0 + dt.timedelta(hours=5), org.handler, "improvement", cause="商户未验货", responsibility="supplier"
    )
    return step(case, when, org.agent, "follow_up", note="客户已收到退款")


def test_monthly_review_by_the_10th_and_a_bonus_deduction_needs_the_gm(org, customer, rulebooks):
    """Concluded 10-20 → reviewed by the end of 11-10. A bonus deduction is not closed by the review:
    the 奖罚通知单 waits for the general manager."""
    case = conclude(org, customer, sh(2026, 10, 20, 10, 0))
    assert clock(case, "monthly_review").deadline == sh(2026, 11, 11, 0, 0)
    with pytest.raises(ApplicationError):  # the penalty is chosen first
        step(case, sh(2026, 11, 5, 9, 0), org.supervisor, "monthly_review", summary="审视")
    case.refresh_from_db()
    case = case_update_fields(
        case=case, actor=org.supervisor, expected_version=case.version, values={"penalty": "bonus_deduction"}
    )
    with pytest.raises(ApplicationError):  # not closed by the review itself
        step(case, sh(2026, 11, 5, 9, 0), org.supervisor, "monthly_review", summary="审视")
    case.refresh_from_db()
    case = step(case, sh(2026, 11, 5, 9, 0), org.supervisor, "bonus_notice", summary="商户未验货，罚扣奖金 500 元")
    assert clock(case, "monthly_review").status == "met"
    with pytest.raises(ForbiddenError):
        step(case, sh(2026, 11, 6, 9, 0), org.manager, "approve_notice")
    case.refresh_from_db()
    case = step(case, sh(2026, 11, 6, 9, 0), org.gm, "approve_notice", comment="核准")
    assert case.status == "closed"
