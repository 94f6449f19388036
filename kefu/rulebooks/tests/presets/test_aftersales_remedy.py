"""001 篇1 售后服务及客户投诉管理办法 with 篇3's flow, preset `aftersales-remedy`. Neither sets a time limit
("及时"); the preset decides who pays by the responsibility found.

篇1 二.1 "凡发现公司不合格产品,一律无条件换合格产品,换货的一切费用由公司承担"; 二.3 "因用户方责任出现的产品质量问题,
公司应用户要求仍可换货,但换货费用由用户方负担"; 篇3 三.6 "提交主管领导批示".
"""

import pytest

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.rulebooks.tests.presets.kit import register, sh, step

pytestmark = pytest.mark.django_db
T0 = sh(2026, 4, 7, 9, 0)
EXCHANGE = [{"kind": "exchange", "amount": "0", "description": "更换同批次合格产品 20 箱"}]


def investigated(org, customer, responsibility):
    case = register(
        T0,
        org=org,
        customer=customer,
        rulebook="aftersales-remedy",
        case_type="complaint",
        category="quality",
        title="涂料结块",
    )
    case = step(case, T0, org.agent, "establish")
    case = step(case, T0, org.cs_supervisor, "to_department", unit=org.aftersales.pk, assignee=org.handler.pk)
    return step(case, sh(2026, 4, 8, 9, 0), org.handler, "finding", cause="仓储受潮", responsibility=responsibility)


def test_a_defective_product_is_exchanged_at_the_companys_cost_after_the_leaders_approval(org, customer, rulebooks):
    """篇1 二.1: company responsibility → the exchange at the company's cost; the customer-pays proposal
    is not offered. 篇3 三.6: the 主管领导 (deputy GM) approves before anything is done."""
    case = investigated(org, customer, "company")
    with pytest.raises(ApplicationError):
        step(
            case,
            sh(2026, 4, 8, 10, 0),
            org.handler,
            "propose_customer_cost",
            remedies=EXCHANGE,
            fields={"customer_fee": "300"},
        )
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 4, 8, 10, 0),
        org.handler,
        "propose_company_cost",
        remedies=EXCHANGE,
        fields={"cause_class": "defective"},
    )
    with pytest.raises(ForbiddenError):
        step(case, sh(2026, 4, 8, 11, 0), org.manager, "approve")
    case.refresh_from_db()
    case = step(case, sh(2026, 4, 8, 11, 0), org.deputy_gm, "approve", comment="同意无条件换货")
    case = step(
        case, sh(2026, 4, 9, 9, 0), org.agent, "notify_customer", reply="已为您更换 20 箱合格产品，费用由我司承担。"
    )
    case = step(case, sh(2026, 4, 10, 9, 0), org.agent, "customer_accept")
    case = step(case, sh(2026, 4, 10, 10, 0), org.quality, "review", summary="仓库增设防潮垫")
    assert case.status == "closed"


def test_the_customers_fault_is_exchanged_on_request_at_the_customers_cost(org, customer, rulebooks):
    """篇1 二.3: customer responsibility → only the exchange the customer pays for, with its fee."""
    case = investigated(org, customer, "customer")
    with pytest.raises(ApplicationError):
        step(
            case,
            sh(2026, 4, 8, 10, 0),
            org.handler,
            "propose_company_cost",
            remedies=EXCHANGE,
            fields={"cause_class": "user_fault"},
        )
    case.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        step(
            case,
            sh(2026, 4, 8, 10, 0),
            org.handler,
            "propose_customer_cost",
            remedies=EXCHANGE,
            fields={"cause_class": "user_fault"},
        )
    assert "fields.customer_fee" in refused.value.extra
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 4, 8, 10, 0),
        org.handler,
        "propose_customer_cost",
        remedies=EXCHANGE,
        fields={"cause_class": "user_fault", "customer_fee": "360.00"},
    )
    assert case.stage == "approving" and case.fields["customer_fee"] == "360.00"
