"""000 篇9 客诉处理程序, preset `quality-claim`, in calendar days across 春节 2026.

第八条 "年度(××)月份(××)流水编号(××)"; 第十条 "客诉案件…国内15天、国外20天内结案" (from the GM office's
acceptance); 第九条(二) the QA report within 3 days of starting the analysis.
"""

import pytest

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.customers.services import customer_create
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step

pytestmark = pytest.mark.django_db
T0 = sh(2026, 2, 12, 10, 0)  # Thursday before 春节


def claim(org, customer):
    return register(
        T0, org=org, customer=customer, rulebook="quality-claim", case_type="quality_claim", category="quality"
    )


def test_numbered_by_month_and_closed_in_15_days_20_abroad(org, customer, rulebooks):
    """Registered 02-12 10:00: 15 calendar days → end of 02-27 (= 02-28 00:00), holidays included;
    overseas 20 → end of 03-04."""
    case = claim(org, customer)
    assert case.number == "260201"
    assert clock(case, "close").deadline == sh(2026, 2, 28, 0, 0)
    abroad = customer_create(name="Hanoi Steel JSC", phone="+84 24 3936 0000", is_overseas=True)
    assert clock(claim(org, abroad), "close").deadline == sh(2026, 3, 5, 0, 0)


def test_qa_reports_in_3_days_and_only_quality_may(org, customer, rulebooks):
    """第九条(二): sent to QA 02-13 09:00 → report due end of 02-16; only 质量管理部 (quality) reports."""
    case = claim(org, customer)
    case = step(
        case, sh(2026, 2, 13, 9, 0), org.cs_supervisor, "send_to_qa", unit=org.gm_office.pk, assignee=org.quality.pk
    )
    assert clock(case, "qa_report").deadline == sh(2026, 2, 17, 0, 0)
    with pytest.raises(ForbiddenError):
        step(case, sh(2026, 2, 14, 9, 0), org.supervisor, "qa_report", cause="涂层厚度不足", responsibility="company")
    case.refresh_from_db()
    with pytest.raises(ApplicationError):  # the finding needs its cause
        step(case, sh(2026, 2, 14, 9, 0), org.quality, "qa_report", responsibility="company")
    case.refresh_from_db()
    case = step(case, sh(2026, 2, 14, 9, 0), org.quality, "qa_report", cause="涂层厚度不足", responsibility="company")
    assert clock(case, "qa_report").status == "met"
