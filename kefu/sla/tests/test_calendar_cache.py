"""Registration takes its working calendars from a per-process cache checked by a stamp read with the
rulebook (one query fewer per new case); an edited calendar must still count for the next case."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from kefu.calendars.models import WorkCalendar
from kefu.calendars.services import calendar_set_weekly_windows
from kefu.cases.services import case_register
from kefu.sla import services as sla_services
from kefu.sla.models import Clock

SH = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # a Monday, an ordinary working day of 2026


def _deadlines(org, customer, title):
    case, _ = case_register(
        actor=org.agent,
        case_type="complaint",
        customer=customer,
        channel="phone",
        title=title,
        description="上门服务迟到两个小时",
        category="attitude",
        received_at=RECEIVED,
    )
    return {c.key: c.deadline for c in Clock.objects.filter(case=case) if c.working_measure}


def test_a_calendar_edited_between_two_registrations_counts_for_the_second(org, rulebooks, customer):
    """Case A is counted on the office calendar as loaded (working days 9:00–12:00 and 13:30–17:30
    or the like). Then the office works mornings only (Mon–Fri 9:00–12:00): case B, received at the
    same moment, gets other deadlines for every working-time clock (a limit in working hours ends
    later, one in working days at noon instead of the afternoon), and exactly the deadlines of
    case C, registered after the cache was emptied (read fresh). With a stale cache B would equal A."""
    before = _deadlines(org, customer, "A")
    assert before, "the complaint starts at least one working-time clock"
    office = WorkCalendar.objects.get(key="office")
    calendar_set_weekly_windows(calendar=office, weekly={d: [(time(9), time(12))] for d in range(5)})
    after = _deadlines(org, customer, "B")
    sla_services._CALENDARS.clear()
    fresh = _deadlines(org, customer, "C")
    assert after == fresh
    assert all(after[key] != before[key] for key in before)
