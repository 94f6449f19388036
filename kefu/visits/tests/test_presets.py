"""The `visits` sections the presets ship, checked against the articles they quote (the Chinese
originals decide); each number below is read off the article in the preset's comment."""

import pytest

from kefu.rulebooks.schema import parse_rulebook
from kefu.rulebooks.services import PRESET_DIR

pytestmark = pytest.mark.django_db


def section(key: str):
    doc = parse_rulebook((PRESET_DIR / f"{key}.yaml").read_text(encoding="utf-8"), source=f"{key}.yaml")
    return doc.section("visits")


def test_service_complaint_call_backs_plans_and_deadlines():
    """Doc 14 四.2 "抽取10%…其中至少有30%是上门回访,并有客户的签字" (the sample of Doc 1 5.2's supervisory call-back);
    Doc 1 4.3(2) first phone visit one month after going live, then every half year, key accounts on site
    at least yearly; 4.3(4) 日清日结; 4.4 report the next day, three days, a week with consent; 篇11 五
    projects monthly in their first year, quarterly after; D6 四.2 five questions, a score of 1–10."""
    visits = section("service-complaint")
    cb = visits.call_back
    assert (cb.case_types, cb.sample_percent, cb.on_site_percent) == (["repair", "complaint"], 10, 30)
    d = visits.deadlines
    assert (d.record_days, d.report_days, d.submit_days, d.submit_days_with_consent) == (0, 1, 3, 7)
    plans = {p.code: (p.method.value, p.first_after_months, p.every_months, p.until_months) for p in visits.plans}
    assert plans == {
        "first_phone": ("phone", 1, 0, 0),
        "routine_phone": ("phone", 7, 6, 0),
        "key_on_site": ("on_site", 12, 12, 0),
        "project_monthly": ("phone", 1, 1, 12),
        "project_quarterly": ("phone", 15, 3, 0),
    }
    assert visits.plan("key_on_site").grades == ["key"]
    d6 = visits.questionnaire("d6")
    assert [(q.code, q.type.value) for q in d6.questions] == [
        ("solved", "yes_no"),
        ("attitude", "choice"),
        ("charged", "yes_no"),
        ("score", "score"),
        ("suggestions", "text"),
    ]
    assert d6.questions[1].options == ["满意", "一般", "不满意"]


def test_field_service_calls_back_every_finished_order():
    """D11 客户意见调查: every finished order (no sample named), the technician rated (品评), the customer's
    suggestions or complaints; no call-back after the repair case itself."""
    visits = section("field-service")
    assert visits.call_back is None
    wo = visits.work_orders
    assert (wo.kinds, wo.sample_percent, wo.questionnaire) == ([], 100, "d11")
    assert wo.follow_up.case_type == "repair"
    assert [q.code for q in visits.questionnaire("d11").questions] == ["solved", "technician", "score", "opinion"]


def test_estate_complaint_plans_a_quarterly_visit_to_every_resident():
    """篇1 二.2(2) "物管員按區域範圍分工,每季回訪1次"; no call-back after a case (its flow replies itself)."""
    visits = section("estate-complaint")
    assert visits.call_back is None and visits.work_orders is None
    (plan,) = visits.plans
    assert (plan.code, plan.method.value, plan.every_months, plan.questionnaire) == (
        "area_quarterly",
        "on_site",
        3,
        "resident",
    )
