"""001 篇10 客户投诉举报管理办法, preset `power-supply`, on the 2026 calendar around 国庆.

第八条 "自受理之日起5个工作日内办结;情况比较复杂的…10个工作日内办结"; 第九条 "情况特殊复杂的(如涉及到系统外单位
调查取证,且涉及到经济处罚和责任追究的),经上一级领导批准后,可适当延长,但最长不能超过30个工作日";
第十三条 "在投诉举报办结后3个工作日内…答复投诉举报人".
"""

import pytest
import time_machine

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.rulebooks.tests.presets.kit import clock, register, sh, step
from kefu.sla.extensions import clock_extend

pytestmark = pytest.mark.django_db
T0 = sh(2026, 9, 30, 10, 0)


def complaint(org, customer, severity):
    return register(
        T0,
        org=org,
        customer=customer,
        rulebook="power-supply",
        case_type="complaint",
        category="supply_quality",
        severity=severity,
        channel="hotline",
    )


def test_limits_5_and_10_working_days_across_national_day(org, customer, rulebooks):
    """Wed 09-30 is day 0. 5 working days: 10-08, 09, 10 (make-up Sat), 12, 13 → Tue 10-13 17:30;
    10 working days: … 14, 15, 16, 19, 20 → Tue 10-20 17:30."""
    assert clock(complaint(org, customer, "normal"), "close").deadline == sh(2026, 10, 13, 17, 30)
    assert clock(complaint(org, customer, "complex"), "close").deadline == sh(2026, 10, 20, 17, 30)


def test_only_an_especially_complex_case_is_extended_to_30_working_days(org, customer, rulebooks):
    """第九条: a 情况较复杂 case cannot be extended at all; a 特殊复杂 one by a higher leader, to 30 working
    days in all: 10-20 + 20 working days (10-21 … 11-17) → Tue 11-17 17:30; one day more is refused."""
    complex_case = complaint(org, customer, "complex")
    with time_machine.travel(sh(2026, 10, 12, 9, 0), tick=False), pytest.raises(ApplicationError):
        clock_extend(
            clock=clock(complex_case, "close"),
            actor=org.gm,
            amount=5,
            unit="working_days",
            reason="外部取证",
            expected_version=complex_case.version,
        )
    special = complaint(org, customer, "special")
    with time_machine.travel(sh(2026, 10, 12, 9, 0), tick=False):
        with pytest.raises(ForbiddenError):  # the handler's own supervisor is not the higher leader
            clock_extend(
                clock=clock(special, "close"),
                actor=org.supervisor,
                amount=5,
                unit="working_days",
                reason="取证",
                expected_version=special.version,
            )
        extended = clock_extend(
            clock=clock(special, "close"),
            actor=org.deputy_gm,
            amount=20,
            unit="working_days",
            reason="涉及系统外单位取证及经济处罚",
            expected_version=special.version,
        )
        assert extended.deadline == sh(2026, 11, 17, 17, 30)
        special.refresh_from_db()
        with pytest.raises(ApplicationError):
            clock_extend(
                clock=extended,
                actor=org.gm,
                amount=1,
                unit="working_days",
                reason="再延",
                expected_version=special.version,
            )


def test_main_path_reply_within_3_working_days_of_conclusion(org, customer, rulebooks):
    """第六、十、十三条: notice → supervisor review → unit investigates → higher review → concluded Fri
    10-09 → reply due 3 working days later: 10-10 (Sat, make-up), 10-12, 10-13 → Tue 10-13 17:30."""
    case = complaint(org, customer, "normal")
    case = step(case, T0, org.agent, "register")
    case = step(case, T0, org.agent, "propose")
    case = step(case, T0, org.cs_supervisor, "transfer_to_unit", unit=org.aftersales.pk, assignee=org.handler.pk)
    case = step(
        case, sh(2026, 10, 8, 10, 0), org.handler, "handling_opinion", cause="线路老化", responsibility="company"
    )
    case = step(case, sh(2026, 10, 8, 11, 0), org.handler, "report_result")
    with pytest.raises(ForbiddenError):  # the higher level reviews, not the handler
        step(case, sh(2026, 10, 9, 9, 0), org.handler, "accept_result", summary="x")
    case.refresh_from_db()
    case = step(case, sh(2026, 10, 9, 9, 0), org.manager, "accept_result", summary="事实清楚，处理得当")
    assert clock(case, "close").status == "met"
    assert clock(case, "reply").deadline == sh(2026, 10, 13, 17, 30)
    case = step(case, sh(2026, 10, 9, 10, 0), org.agent, "reply", reply="已更换线路，感谢您的监督。")
    assert case.status == "closed"


def test_a_named_report_must_be_answered(org, customer, rulebooks):
    """第十三条 "对署名举报者,必须进行答复": a concluded named report cannot be closed without a reply; an
    anonymous one can."""
    cases = {}
    for anonymous in (False, True):
        case = register(
            T0,
            org=org,
            customer=customer,
            rulebook="power-supply",
            case_type="report",
            category="three_tens",
            channel="letter",
            is_anonymous=anonymous,
        )
        case = step(case, T0, org.agent, "register")
        case = step(case, T0, org.agent, "propose")
        case = step(case, T0, org.cs_supervisor, "transfer_to_unit", unit=org.aftersales.pk, assignee=org.handler.pk)
        case = step(
            case, sh(2026, 10, 8, 10, 0), org.handler, "handling_opinion", cause="抄表员违规", responsibility="company"
        )
        case = step(case, sh(2026, 10, 8, 11, 0), org.handler, "report_result")
        cases[anonymous] = step(case, sh(2026, 10, 9, 9, 0), org.manager, "accept_result", summary="属实，已处理")
    with pytest.raises(ApplicationError):
        step(cases[False], sh(2026, 10, 9, 10, 0), org.manager, "close_without_reply")
    closed = step(cases[True], sh(2026, 10, 9, 10, 0), org.manager, "close_without_reply")
    assert closed.status == "closed"
