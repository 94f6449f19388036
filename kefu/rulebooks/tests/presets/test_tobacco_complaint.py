"""000 篇12 客户投诉处理管理制度 (tobacco distribution), preset `tobacco-complaint`, on the 2026 calendar
around 国庆 (holiday 10-01..10-07, make-up working day Sat 10-10).

四(四) "客户投诉处理期限不能超过三个工作日,特殊状况不能超过7个工作日";
四(一) "不能解答的…在24小时答复客户"; 四(二) "需要回复的,要给客户承诺必须回复期限";
四(五)3 "资料保存一年,重要的资料延期保存".
"""

import datetime as dt

import pytest
import time_machine

from kefu.cases.services.retention import case_archive_by_retention
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step
from kefu.sla.extensions import clock_promise

pytestmark = pytest.mark.django_db
KEY = "tobacco-complaint"
T0 = sh(2026, 9, 30, 10, 0)  # Wednesday before 国庆


def complaint(org, customer, **kw):
    return register(T0, org=org, customer=customer, rulebook=KEY, case_type="complaint", category="order", **kw)


def test_three_working_days_across_national_day_seven_for_special(org, customer, rulebooks):
    """Registered Wed 09-30 10:00 (day 0). 3 working days: Thu 10-08, Fri 10-09, Sat 10-10 (make-up) →
    due Sat 10-10 17:30. Special: 10-08, 09, 10, 12, 13, 14, 15 → Thu 10-15 17:30."""
    normal = complaint(org, customer)
    assert normal.number.startswith("YT2609")
    assert clock(normal, "handle").deadline == sh(2026, 10, 10, 17, 30)
    special = complaint(org, customer, severity="special")
    assert clock(special, "handle").deadline == sh(2026, 10, 15, 17, 30)


def test_main_path_and_refusals(org, customer, rulebooks):
    """二: the 订单部 passes the complaint to the responsible department; 四(三) a designated person
    investigates and classifies it; 四(五) the result goes to the complainant and the branch
    spot-checks it — a failed check sends it back (限期整改, 六) with its reason."""
    case = complaint(org, customer)
    case = step(
        case, T0 + dt.timedelta(hours=1), org.agent, "dispatch", unit=org.aftersales.pk, assignee=org.handler.pk
    )
    assert case.stage == "investigating" and case.assignee == org.handler
    # The outcome (违规/一般失误/误解) must be recorded before the case counts as handled.
    with pytest.raises(ApplicationError) as refused:
        step(case, sh(2026, 10, 8, 9, 0), org.handler, "handled", cause="配送延误", responsibility="company")
    assert "fields.outcome" in str(refused.value.extra)
    case.refresh_from_db()
    case = step(
        case,
        sh(2026, 10, 8, 9, 0),
        org.handler,
        "handled",
        cause="配送延误",
        responsibility="company",
        fields={"outcome": "mistake"},
    )
    assert case.fields["outcome"] == "mistake"
    assert clock(case, "handle").status == "met"  # 10-08 09:00, before Sat 10-10 17:30
    case = step(case, sh(2026, 10, 8, 10, 0), org.agent, "feedback", reply="已补送，并向您致歉。")
    with pytest.raises(ForbiddenError):  # the receiver does not verify its own handling
        step(case, sh(2026, 10, 9, 9, 0), org.agent, "verify", summary="抽查")
    with pytest.raises(ApplicationError):  # a failed check needs its reason
        step(case, sh(2026, 10, 9, 9, 0), org.quality, "rectify")
    case.refresh_from_db()
    case = step(case, sh(2026, 10, 9, 9, 0), org.quality, "verify", summary="电话抽查，客户确认已补送")
    assert case.status == "closed"


def test_kept_one_year_important_records_longer(org, customer, rulebooks):
    """四(五)3: closed 2026-10-09, archived on 2027-10-09, not before; an important record is kept
    longer (three years, the preset's choice)."""
    cases = []
    for important in (False, True):
        case = complaint(org, customer, fields={"important": important})
        case = step(case, T0, org.agent, "dispatch", unit=org.aftersales.pk, assignee=org.handler.pk)
        case = step(
            case,
            T0,
            org.handler,
            "handled",
            cause="x",
            responsibility="customer",
            fields={"outcome": "misunderstanding"},
        )
        case = step(case, T0, org.agent, "feedback", reply="已向您说明配送规则。")
        case = step(case, sh(2026, 10, 9, 9, 0), org.quality, "verify", summary="抽查无误")
        cases.append(case)
    ordinary, important = cases
    assert not case_archive_by_retention(case=ordinary, now=sh(2027, 10, 8, 12, 0))
    assert case_archive_by_retention(case=ordinary, now=sh(2027, 10, 9, 12, 0))
    assert not case_archive_by_retention(case=important, now=sh(2027, 10, 9, 12, 0))
    assert case_archive_by_retention(case=important, now=sh(2029, 10, 9, 12, 0))
    ordinary.refresh_from_db()
    assert ordinary.status == "archived"


def test_inquiry_24_hours_and_suggestion_promised_reply(org, customer, rulebooks):
    """四(一): an inquiry not answered on the spot is answered within 24 hours, holidays included
    (09-30 10:00 → 10-01 10:00). 四(二): a suggestion's reply time is promised to the customer."""
    inquiry = register(T0, org=org, customer=customer, rulebook=KEY, case_type="inquiry", category="product")
    assert clock(inquiry, "reply").deadline == sh(2026, 10, 1, 10, 0)
    suggestion = register(T0, org=org, customer=customer, rulebook=KEY, case_type="suggestion")
    promised = clock(suggestion, "promised_reply")
    assert promised.deadline is None  # awaiting the promise
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        with pytest.raises(ApplicationError):  # beyond the 30 days the preset allows
            clock_promise(
                clock=promised,
                actor=org.agent,
                deadline=sh(2026, 11, 30, 10, 0),
                reason="x",
                expected_version=suggestion.version,
            )
        promised = clock_promise(
            clock=promised,
            actor=org.agent,
            deadline=sh(2026, 10, 9, 17, 0),
            reason="领导节后批示",
            expected_version=suggestion.version,
        )
    assert promised.deadline == sh(2026, 10, 9, 17, 0)
