"""The clock lifecycle on the real 2025/2026 schedules: start, stop, pause, resume, extend, recompute.

Office calendar: Mon–Fri 08:30–12:00 and 13:30–17:30 (450 working minutes a day). Spring Festival
2026: holiday Sun 02-15 … Mon 02-23, make-up Saturdays 02-14 and 02-28. National Day 2026: holiday
10-01 … 10-07, make-up Sun 09-20 and Sat 10-10.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.cases.choices import EventKind
from kefu.cases.models import CaseEvent
from kefu.cases.services import (
    case_merge,
    case_resume,
    case_suspend,
    case_transition,
    case_update_classification,
    case_withdraw,
)
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.customers.services import customer_create
from kefu.sla.choices import ClockStatus
from kefu.sla.extensions import clock_extend
from kefu.sla.models import Clock

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)


def clocks(case) -> dict[str, Clock]:
    return {c.key: c for c in Clock.objects.filter(case=case).order_by("id")}


def at(when: datetime):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def register(make_case):
    def make(when: datetime, case_type: str = "complaint", **kwargs):
        with at(when):
            return make_case(case_type, **kwargs)

    return make


def move(case, actor, transition: str, when: datetime, **data):
    with at(when):
        return case_transition(case=case, actor=actor, transition=transition, expected_version=None, data=data)


# --------------------------------------------------------------------------------------------------
# Start: rule selection and deadlines across holidays, make-up days, nights and weekends


def test_friday_before_the_makeup_saturday(register):
    case = register(sh(2026, 2, 13, 16, 0))
    c = clocks(case)
    start, reply = c["start_investigation"], c["reply"]
    # 1 working day: the arrival date is day 0, the make-up Saturday is day 1.
    assert start.deadline == sh(2026, 2, 14, 17, 30)
    assert start.rule == "default → 1 working_days"
    assert (start.amount, start.unit, start.working_measure) == (1, "working_days", True)
    assert start.allowed_minutes == 90 + 450
    # 75 % of 540 = 405 working minutes: 90 on Friday, then 315 on Saturday (lunch skipped).
    assert start.warn_at == sh(2026, 2, 14, 15, 15)
    assert start.next_check_at == start.warn_at
    assert (start.status, start.calendar.key, start.ladder) == (ClockStatus.RUNNING, "office", "complaint")
    # 2 working days skip Spring Festival entirely.
    assert reply.deadline == sh(2026, 2, 24, 17, 30)
    assert reply.resolution and not start.resolution


def test_makeup_saturday_evening_runs_across_spring_festival(register):
    case = register(sh(2026, 2, 14, 19, 0))
    c = clocks(case)
    assert c["start_investigation"].deadline == sh(2026, 2, 24, 17, 30)
    assert c["start_investigation"].allowed_minutes == 450  # nothing counts before Tuesday 08:30
    assert c["reply"].deadline == sh(2026, 2, 25, 17, 30)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (sh(2026, 9, 18, 10, 0), sh(2026, 9, 20, 17, 30)),  # Friday → the make-up Sunday
        (sh(2026, 9, 30, 10, 0), sh(2026, 10, 8, 17, 30)),  # the day before National Day
        (sh(2026, 10, 3, 10, 0), sh(2026, 10, 8, 17, 30)),  # during the holiday
        (sh(2026, 10, 9, 10, 0), sh(2026, 10, 10, 17, 30)),  # Friday → the make-up Saturday
    ],
)
def test_national_day_2026(register, received, due):
    assert clocks(register(received))["start_investigation"].deadline == due


@pytest.mark.parametrize(
    ("received", "due", "allowed"),
    [
        (sh(2026, 3, 2, 20, 0), sh(2026, 3, 3, 17, 30), 450),  # Monday night: Tuesday is day 1
        (sh(2026, 3, 7, 10, 0), sh(2026, 3, 9, 17, 30), 450),  # Saturday: Monday is day 1
        (sh(2026, 2, 16, 10, 0), sh(2026, 2, 24, 17, 30), 450),  # 春节 holiday Monday
        (sh(2026, 3, 3, 12, 30), sh(2026, 3, 4, 17, 30), 240 + 450),  # lunch: the afternoon counts
    ],
)
def test_night_weekend_holiday_and_lunch_arrivals(register, received, due, allowed):
    start = clocks(register(received))["start_investigation"]
    assert (start.deadline, start.allowed_minutes) == (due, allowed)


def test_major_severity_gets_four_working_hours_across_lunch(register):
    case = register(sh(2026, 3, 3, 10, 0), severity="major")
    start = clocks(case)["start_investigation"]
    assert start.rule == "severity=major → 4 working_hours"
    # 10:00–12:00 is 120 minutes, the other 120 run from 13:30.
    assert (start.deadline, start.allowed_minutes) == (sh(2026, 3, 3, 15, 30), 240)
    assert start.warn_at == sh(2026, 3, 3, 14, 30)  # 180 working minutes
    assert clocks(case)["reply"].rule == "default → 2 working_days"  # no variant for the reply


def test_quality_claim_15_days_domestic_20_overseas_on_the_24x7_calendar(register):
    overseas = customer_create(name="ACME GmbH", phone="138 0000 0001", is_overseas=True)
    kwargs = {"rulebook_key": "quality-claim", "category": "quality"}
    domestic = clocks(register(sh(2026, 3, 1, 9, 0), "quality_claim", **kwargs))["close"]
    abroad = clocks(register(sh(2026, 3, 1, 9, 0), "quality_claim", customer=overseas, **kwargs))["close"]
    assert domestic.calendar.key == abroad.calendar.key == "24x7"
    assert not domestic.working_measure
    assert domestic.deadline == sh(2026, 3, 17, 0, 0)  # 24:00 of the 15th day after 03-01
    assert abroad.deadline == sh(2026, 3, 22, 0, 0)
    assert abroad.rule == "overseas=yes → 20 calendar_days"
    assert domestic.allowed_minutes == 15 * 1440 + 15 * 60
    # The QA report clock starts only when the claim reaches QA analysis.
    assert set(clocks(abroad.case)) == {"close"}


def test_a_clock_starting_on_a_stage(register, org):
    case = register(sh(2026, 3, 2, 10, 0), rulebook_key="quality-claim", category="quality", case_type="quality_claim")
    case = move(
        case, org.cs_supervisor, "send_to_qa", sh(2026, 3, 3, 9, 0), unit=org.gm_office.pk, assignee=org.quality.pk
    )
    qa = clocks(case)["qa_report"]
    assert (qa.started_at, qa.deadline) == (sh(2026, 3, 3, 9, 0), sh(2026, 3, 7, 0, 0))


# --------------------------------------------------------------------------------------------------
# Stop: met or missed; cancel


def test_entering_a_stop_state_stops_as_met_or_missed(register, org):
    route = {"unit": org.aftersales.pk, "assignee": org.handler.pk}
    on_time = register(sh(2026, 3, 3, 9, 0))
    on_time = move(on_time, org.agent, "establish", sh(2026, 3, 3, 10, 0))
    assert clocks(on_time)["start_investigation"].status == ClockStatus.RUNNING  # forwarded is not a stop state
    on_time = move(on_time, org.agent, "route", sh(2026, 3, 4, 17, 30), **route)  # exactly at the deadline
    start = clocks(on_time)["start_investigation"]
    assert (start.status, start.stopped_at, start.next_check_at) == (ClockStatus.MET, sh(2026, 3, 4, 17, 30), None)
    assert start.used_minutes == 870
    assert clocks(on_time)["reply"].status == ClockStatus.RUNNING

    late = register(sh(2026, 3, 3, 9, 0))
    late = move(late, org.agent, "establish", sh(2026, 3, 3, 10, 0))
    late = move(late, org.agent, "route", sh(2026, 3, 5, 8, 31), **route)
    assert clocks(late)["start_investigation"].status == ClockStatus.MISSED


def test_closing_stops_listed_clocks_and_withdraw_or_merge_cancel(register, org, customer):
    closed = register(sh(2026, 3, 3, 9, 0))
    closed = move(closed, org.agent, "not_established", sh(2026, 3, 3, 10, 0), reason="不属实")
    assert {k: c.status for k, c in clocks(closed).items()} == {
        "start_investigation": ClockStatus.MET,
        "reply": ClockStatus.MET,
    }

    withdrawn = register(sh(2026, 3, 3, 9, 0))
    with at(sh(2026, 3, 3, 11, 0)):
        case_withdraw(case=withdrawn, actor=org.agent, expected_version=None, reason="客户撤诉")
    assert {c.status for c in clocks(withdrawn).values()} == {ClockStatus.CANCELLED}
    assert all(c.next_check_at is None for c in clocks(withdrawn).values())

    duplicate, survivor = register(sh(2026, 3, 3, 9, 0)), register(sh(2026, 3, 3, 9, 5))
    with at(sh(2026, 3, 3, 11, 0)):
        case_merge(case=duplicate, into=survivor, actor=org.agent, expected_version=None)
    assert {c.status for c in clocks(duplicate).values()} == {ClockStatus.CANCELLED}
    assert {c.status for c in clocks(survivor).values()} == {ClockStatus.RUNNING}


def test_inquiry_without_sla_gets_no_clocks(register):
    assert clocks(register(sh(2026, 3, 3, 9, 0), "inquiry")) == {}


# --------------------------------------------------------------------------------------------------
# Pause and resume


def test_suspend_pauses_and_resume_adds_the_paused_time_back_in_working_time(register, org):
    case = register(sh(2026, 3, 3, 9, 0))  # due Wed 03-04 17:30
    with at(sh(2026, 3, 3, 11, 0)):
        case = case_suspend(case=case, actor=org.cs_supervisor, expected_version=None, reason="等待客户补充材料")
    start = clocks(case)["start_investigation"]
    assert (start.status, start.used_minutes, start.next_check_at) == (ClockStatus.PAUSED, 120, None)
    with at(sh(2026, 3, 5, 14, 0)):
        case = case_resume(case=case, actor=org.cs_supervisor, expected_version=None)
    start = clocks(case)["start_investigation"]
    # 870 allowed − 120 used = 750 from Thu 14:00: 210 on Thursday, 450 on Friday, 90 on Monday.
    # The same as the old deadline plus the 990 working minutes of the pause.
    assert start.status == ClockStatus.RUNNING
    assert start.resumed_at == sh(2026, 3, 5, 14, 0)
    assert start.deadline == sh(2026, 3, 9, 10, 0)
    assert start.next_check_at == start.warn_at
    # 75 % of 870 = 652; 652 − 120 = 532 from Thursday 14:00: 210 on Thursday, 210 + 112 on Friday.
    assert start.warn_at == sh(2026, 3, 6, 15, 22)


def test_a_pause_state_pauses_and_suspending_there_changes_nothing(register, org):
    suburban = customer_create(name="李四", phone="139 0000 0002", region="suburban")
    case = register(sh(2026, 3, 3, 16, 0), "repair", customer=suburban)
    arrival = clocks(case)["arrival"]
    assert arrival.rule == "region=suburban → 7 working_hours"
    assert arrival.deadline == sh(2026, 3, 4, 15, 30)  # 90 on Tuesday, 210 + 120 on Wednesday
    route = {"unit": org.team.pk, "assignee": org.technician.pk}
    case = move(case, org.agent, "route", sh(2026, 3, 3, 16, 30), **route)
    case = move(case, org.technician, "wait_parts", sh(2026, 3, 3, 17, 0))
    assert clocks(case)["arrival"].status == ClockStatus.PAUSED
    assert clocks(case)["arrival"].used_minutes == 60
    # Suspending and resuming while waiting for parts keeps the clock paused.
    with at(sh(2026, 3, 4, 9, 0)):
        case = case_suspend(case=case, actor=org.supervisor, expected_version=None, reason="客户出差")
    with at(sh(2026, 3, 5, 9, 0)):
        case = case_resume(case=case, actor=org.supervisor, expected_version=None)
    assert clocks(case)["arrival"].status == ClockStatus.PAUSED
    case = move(case, org.technician, "parts_arrived", sh(2026, 3, 6, 10, 0))
    arrival = clocks(case)["arrival"]
    assert arrival.status == ClockStatus.RUNNING
    assert arrival.deadline == sh(2026, 3, 6, 17, 30)  # 420 − 60 = 360 from Friday 10:00, lunch skipped
    case = move(case, org.technician, "arrive", sh(2026, 3, 6, 15, 0))
    assert clocks(case)["arrival"].status == ClockStatus.MET


def test_urban_repair_is_six_working_hours(register):
    arrival = clocks(register(sh(2026, 3, 3, 9, 0), "repair"))["arrival"]
    assert arrival.rule == "default → 6 working_hours"
    assert arrival.deadline == sh(2026, 3, 3, 16, 30)


# --------------------------------------------------------------------------------------------------
# Extension


@pytest.fixture
def power_case(register):
    # 篇10 第九条: only an especially complex case (情况特殊复杂) may be extended, to 30 working days at most.
    return register(sh(2026, 3, 2, 10, 0), rulebook_key="power-supply", category="supply_quality", severity="special")


def test_power_supply_special_case_gets_10_working_days_and_deputy_gm_extends(power_case, org):
    close = clocks(power_case)["close"]
    assert close.rule == "severity=complex/special → 10 working_days"
    assert close.deadline == sh(2026, 3, 16, 17, 30)
    with at(sh(2026, 3, 10, 9, 0)):
        close = clock_extend(
            clock=close,
            actor=org.deputy_gm,
            amount=10,
            unit="working_days",
            reason="需外部取证",
            expected_version=power_case.version,
        )
    assert close.deadline == sh(2026, 3, 30, 17, 30)
    assert close.extended_minutes == 10 * 450
    assert close.next_check_at == close.warn_at > sh(2026, 3, 16, 17, 30)
    power_case.refresh_from_db()
    event = power_case.events.filter(kind=EventKind.DEADLINE).get()
    assert event.case_version == power_case.version and event.actor == org.deputy_gm
    assert "2026-03-16 17:30" in event.message and "2026-03-30 17:30" in event.message
    assert event.data["old_deadline"] == sh(2026, 3, 16, 17, 30).isoformat()

    # 20 working days at most in total: 10 more are fine, one more is not.
    with at(sh(2026, 3, 11, 9, 0)), pytest.raises(ApplicationError) as refused:
        clock_extend(
            clock=close,
            actor=org.gm,
            amount=11,
            unit="working_days",
            reason="再延",
            expected_version=power_case.version,
        )
    assert "amount" in refused.value.extra
    with at(sh(2026, 3, 11, 9, 0)):
        close = clock_extend(
            clock=close,
            actor=org.gm,
            amount=10,
            unit="working_days",
            reason="再延",
            expected_version=power_case.version,
        )
    assert close.deadline == sh(2026, 4, 14, 17, 30)  # 清明 04-04..04-06 skipped
    power_case.refresh_from_db()
    with at(sh(2026, 3, 11, 9, 5)), pytest.raises(ApplicationError) as refused:
        clock_extend(
            clock=close,
            actor=org.gm,
            amount=1,
            unit="working_hours",
            reason="再延",
            expected_version=power_case.version,
        )
    assert "amount" in refused.value.extra


def test_extension_refused_for_a_role_the_rulebook_does_not_name_and_on_a_stale_version(power_case, org):
    close = clocks(power_case)["close"]
    with pytest.raises(ForbiddenError):
        clock_extend(
            clock=close, actor=org.agent, amount=1, unit="working_days", reason="x", expected_version=power_case.version
        )
    with pytest.raises(ConflictError):
        clock_extend(
            clock=close,
            actor=org.deputy_gm,
            amount=1,
            unit="working_days",
            reason="x",
            expected_version=power_case.version - 1,
        )
    assert clocks(power_case)["close"].deadline == sh(2026, 3, 16, 17, 30)


def test_a_clock_without_extension_rule_cannot_be_extended(register, org):
    case = register(sh(2026, 3, 3, 9, 0))
    with pytest.raises(ApplicationError) as refused:
        clock_extend(
            clock=clocks(case)["reply"],
            actor=org.gm,
            amount=1,
            unit="working_days",
            reason="x",
            expected_version=case.version,
        )
    assert not isinstance(refused.value, ForbiddenError)


def test_extending_an_overdue_clock_rearms_warning_and_ladder(power_case, org):
    close = clocks(power_case)["close"]
    Clock.objects.filter(pk=close.pk).update(warned=True, escalation_level=2)
    close.refresh_from_db()
    with at(sh(2026, 3, 17, 9, 0)):  # overdue since 03-16 17:30
        close = clock_extend(
            clock=close, actor=org.gm, amount=5, unit="working_days", reason="延期", expected_version=power_case.version
        )
    assert close.deadline == sh(2026, 3, 23, 17, 30)
    assert (close.warned, close.escalation_level) == (False, 0)


# --------------------------------------------------------------------------------------------------
# Recompute after a classification change


def test_severity_change_recomputes_keeping_used_time_and_writes_history(register, org):
    case = register(sh(2026, 3, 3, 9, 0))
    assert clocks(case)["start_investigation"].deadline == sh(2026, 3, 4, 17, 30)
    with at(sh(2026, 3, 3, 10, 0)):
        case = case_update_classification(
            case=case, actor=org.cs_supervisor, expected_version=case.version, severity="major", reason="涉及人身安全"
        )
    start = clocks(case)["start_investigation"]
    # 4 working hours from 09:00 (one already used): 09:00–12:00 and 13:30–14:30.
    assert (start.deadline, start.rule) == (sh(2026, 3, 3, 14, 30), "severity=major → 4 working_hours")
    assert (start.amount, start.unit, start.allowed_minutes) == (4, "working_hours", 240)
    assert clocks(case)["reply"].deadline == sh(2026, 3, 5, 17, 30)  # no variant: unchanged
    events = list(case.events.order_by("id"))
    classification, deadline = events[-2], events[-1]
    assert classification.kind == EventKind.CLASSIFICATION
    assert classification.data == {"severity": ["normal", "major"]}
    assert deadline.kind == EventKind.DEADLINE
    assert "2026-03-04 17:30 → 2026-03-03 14:30" in deadline.message
    assert "severity=major → 4 working_hours" in deadline.message and "涉及人身安全" in deadline.message
    assert [c["clock"] for c in deadline.data["recompute"]] == ["start_investigation"]
    assert case.version == deadline.case_version


def test_recompute_after_a_pause_keeps_the_time_used_before_it(register, org):
    case = register(sh(2026, 3, 3, 9, 0))
    with at(sh(2026, 3, 3, 10, 0)):
        case = case_suspend(case=case, actor=org.cs_supervisor, expected_version=None, reason="待定")
    with at(sh(2026, 3, 4, 9, 0)):
        case = case_resume(case=case, actor=org.cs_supervisor, expected_version=None)
    with at(sh(2026, 3, 4, 10, 0)):
        case = case_update_classification(
            case=case, actor=org.cs_supervisor, expected_version=None, severity="major", reason="升级"
        )
    # 60 used on Tuesday, 60 since Wednesday 09:00: 120 of 240 left at 10:00 → 12:00.
    assert clocks(case)["start_investigation"].deadline == sh(2026, 3, 4, 12, 0)


def test_a_shorter_limit_can_make_a_clock_overdue_at_once(register, org):
    case = register(sh(2026, 3, 3, 9, 0))
    with at(sh(2026, 3, 3, 16, 0)):
        case = case_update_classification(
            case=case, actor=org.cs_supervisor, expected_version=None, severity="major", reason="升级"
        )
    start = clocks(case)["start_investigation"]
    assert start.deadline == sh(2026, 3, 3, 14, 30)
    assert start.next_check_at <= sh(2026, 3, 3, 16, 0)  # the sweep sends the overdue notice at once


def test_classification_is_validated(register, org):
    case = register(sh(2026, 3, 3, 9, 0))
    with pytest.raises(ApplicationError) as bad:
        case_update_classification(
            case=case, actor=org.cs_supervisor, expected_version=None, category="fault", severity="huge", reason=""
        )
    assert set(bad.value.extra) == {"category", "severity", "reason"}
    with pytest.raises(ApplicationError):
        case_update_classification(
            case=case, actor=org.cs_supervisor, expected_version=None, severity="normal", reason="同"
        )
    with pytest.raises(ForbiddenError):
        case_update_classification(case=case, actor=org.agent2, expected_version=None, severity="major", reason="x")
    with pytest.raises(ConflictError):
        case_update_classification(
            case=case, actor=org.agent, expected_version=case.version + 1, severity="major", reason="x"
        )
    # The owner may; the category change alone leaves the clocks (no category variants) untouched.
    case = case_update_classification(
        case=case, actor=org.agent, expected_version=case.version, category="efficiency", reason="归类有误"
    )
    assert case.category == "efficiency"
    assert not case.events.filter(kind=EventKind.DEADLINE).exists()


# --------------------------------------------------------------------------------------------------
# A deadline in a year whose schedule is not loaded yet

YEAR_2027 = """\
year: 2027
notice: 国务院办公厅关于2027年部分节假日安排的通知（测试）
holidays:
- {from: 2027-01-01, to: 2027-01-03, name: 元旦}
- {from: 2027-02-06, to: 2027-02-12, name: 春节}
workdays:
- {date: 2027-02-13, name: 春节}
"""


def test_missing_year_creates_the_clock_without_deadline_then_loading_the_year_fills_it(register, org):
    from kefu.calendars.models import WorkCalendar
    from kefu.calendars.services import calendar_year_import

    case = register(sh(2026, 12, 28, 10, 0), rulebook_key="power-supply", category="supply_quality")
    close = clocks(case)["close"]
    assert close.status == ClockStatus.RUNNING
    assert (close.deadline, close.warn_at, close.next_check_at) == (None, None, None)
    assert close.rule.startswith("default → 5 working_days · ") and "2027" in close.rule
    event = case.events.get(kind=EventKind.DEADLINE)
    assert "2027" in event.message and event.data["missing_year"][0]["year"] == 2027

    # Operations on the case go on: a transition works meanwhile.
    case = move(case, org.agent, "register", sh(2026, 12, 28, 11, 0))

    with at(sh(2026, 12, 29, 9, 0)):
        calendar_year_import(calendar=WorkCalendar.objects.get(key="office"), text=YEAR_2027, source_name="2027.yaml")
    close = clocks(case)["close"]
    # 12-29, 12-30, 12-31, (元旦 01-01..01-03), 01-04, 01-05.
    assert close.deadline == sh(2027, 1, 5, 17, 30)
    assert close.rule == "default → 5 working_days"
    assert close.allowed_minutes == 360 + 5 * 450  # from 10:00 on Monday 12-28 to Tuesday 01-05 17:30
    assert close.next_check_at == close.warn_at


def test_recompute_missing_leaves_clocks_whose_year_is_still_missing(register):
    from kefu.calendars.models import WorkCalendar
    from kefu.sla.services import clocks_recompute_missing

    case = register(sh(2026, 12, 28, 10, 0), rulebook_key="power-supply", category="supply_quality")
    with at(sh(2026, 12, 28, 12, 0)):
        assert clocks_recompute_missing(calendar=WorkCalendar.objects.get(key="office")) == 0
    assert clocks(case)["close"].deadline is None


def test_events_have_distinct_versions(register, org):
    case = register(sh(2026, 12, 28, 10, 0), rulebook_key="power-supply", category="supply_quality")
    versions = list(CaseEvent.objects.filter(case=case).values_list("case_version", flat=True))
    assert len(versions) == len(set(versions)) and max(versions) == case.version
