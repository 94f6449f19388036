"""001 篇6 客户投诉管理办法 (sales branches, 市场部, 加工单位), preset `retail-complaint`, in calendar days
around 春节 2026 (holidays count: the regulation says 天).

四.1 "《顾客投诉处理表》处理期限自市场部受理起,国内15天,国外18天内处理"; 四.2 "销售分公司5天,市场部7天(如果涉及到
加工单位,则其中加工单位的处理期限是2天)"; 三.2 "最后由主管副经理作出批示"; 六.3 "凡情节严重的,呈总经理核批".
"""

import pytest

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.customers.services import customer_create
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step

pytestmark = pytest.mark.django_db
T0 = sh(2026, 2, 10, 10, 0)  # Tuesday before 春节
FIELDS = {"order_no": "SO-2602-118", "delivery_date": "2026-02-02", "defective_qty": 12, "quantity": 400}


def complaint(org, customer, **kw):
    return register(
        T0, org=org, customer=customer, rulebook="retail-complaint", case_type="complaint", category="quality", **kw
    )


def to_market(case, org):
    return step(case, sh(2026, 2, 12, 10, 0), org.agent, "to_market", unit=org.aftersales.pk, assignee=org.handler.pk)


def test_stage_limits_and_15_days_from_the_marketing_acceptance(org, customer, rulebooks):
    """Received 02-10 10:00: sales branch 5 days → end of 02-15. Accepted by 市场部 02-12 10:00: 15 days →
    end of 02-27 (24:00 = 02-28 00:00), 市场部 7 days → end of 02-19; 加工单位 from 02-13 09:00, 2 days →
    end of 02-15. 春节 does not stop calendar days."""
    case = complaint(org, customer)
    assert case.number == "KS260201"
    assert clock(case, "sales_branch").deadline == sh(2026, 2, 16, 0, 0)
    with pytest.raises(ApplicationError) as refused:  # 三.1: order no., delivery date, defects first
        to_market(case, org)
    assert {"fields.order_no", "fields.delivery_date", "fields.defective_qty"} <= set(refused.value.extra)
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 2, 12, 10, 0),
        org.agent,
        "to_market",
        unit=org.aftersales.pk,
        assignee=org.handler.pk,
        fields=FIELDS,
    )
    assert clock(case, "sales_branch").status == "met"
    assert clock(case, "handle").deadline == sh(2026, 2, 28, 0, 0)
    assert clock(case, "market").deadline == sh(2026, 2, 20, 0, 0)
    case = step(case, sh(2026, 2, 13, 9, 0), org.handler, "to_production")
    assert clock(case, "processing_unit").deadline == sh(2026, 2, 16, 0, 0)


def test_overseas_customer_gets_18_days(org, rulebooks):
    """四.1 国外18天: accepted 02-12 10:00 → end of 03-02 (03-03 00:00)."""
    abroad = customer_create(name="Lotus Trading Sdn Bhd", phone="+60 3 2141 8888", is_overseas=True)
    case = complaint(org, abroad, fields=FIELDS)
    case = step(case, sh(2026, 2, 12, 10, 0), org.agent, "to_market", unit=org.aftersales.pk, assignee=org.handler.pk)
    assert clock(case, "handle").deadline == sh(2026, 3, 3, 0, 0)


def walk_to_approval(org, customer, severity):
    case = complaint(org, customer, fields=FIELDS, severity=severity)
    case = step(case, sh(2026, 2, 12, 10, 0), org.agent, "to_market", unit=org.aftersales.pk, assignee=org.handler.pk)
    case = step(
        case, sh(2026, 2, 13, 9, 0), org.handler, "analysis_done", cause="批次涂层不良", responsibility="company"
    )
    return step(
        case,
        sh(2026, 2, 14, 9, 0),
        org.handler,
        "handling_form",
        remedies=[{"kind": "exchange", "amount": "0", "description": "更换 12 件不良品"}],
    )


def test_the_vice_president_decides_serious_cases_go_on_to_the_gm(org, customer, rulebooks):
    """三.2 the 主管副总经理 approves; 六.3 a serious case needs the general manager after him. The
    sales branch replies only once the handling is approved (三.5)."""
    case = walk_to_approval(org, customer, "normal")
    assert clock(case, "market").status == "met"
    with pytest.raises(ForbiddenError):
        step(case, sh(2026, 2, 14, 10, 0), org.agent, "approve")
    case.refresh_from_db()
    case = step(case, sh(2026, 2, 14, 10, 0), org.deputy_gm, "approve", comment="同意更换")
    assert case.stage == "replying"
    case = step(case, sh(2026, 2, 14, 11, 0), org.agent, "reply", reply="经批示，为您更换 12 件不良品。")
    assert case.status == "closed" and clock(case, "handle").status == "met"

    serious = walk_to_approval(org, customer, "serious")
    with pytest.raises(ForbiddenError):  # the GM comes after the vice president
        step(serious, sh(2026, 2, 14, 10, 0), org.gm, "approve")
    serious.refresh_from_db()
    serious = step(serious, sh(2026, 2, 14, 10, 0), org.deputy_gm, "approve")
    assert serious.stage == "approving"
    serious = step(serious, sh(2026, 2, 14, 11, 0), org.gm, "approve", comment="情节严重，核批")
    assert serious.stage == "replying"
