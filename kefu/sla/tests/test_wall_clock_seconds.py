"""Wall-clock deadlines keep their seconds: the 50 % warning of a 3-minute clock started at 22:00:20
is at 22:01:50, not rounded to a whole minute, and fires then — not 20 seconds early."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.cases.services import case_resume, case_suspend
from kefu.sla.choices import NoticeKind
from kefu.sla.models import Clock, ClockNotice
from kefu.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 8, 22, 0, 20, tzinfo=SH)  # a Sunday night; the clock runs on 24x7
S = dt.timedelta(seconds=1)


@pytest.fixture
def emergency(make_case):
    with time_machine.travel(T0, tick=False):
        case = make_case(rulebook_key="property-complaint", category="emergency", title="电梯困人")
    return case, Clock.objects.get(case=case, key="emergency_notify")


def test_the_warning_of_a_three_minute_clock_keeps_its_seconds(emergency):
    _, clock = emergency
    assert clock.deadline == T0 + dt.timedelta(minutes=3)
    assert clock.warn_at == T0 + dt.timedelta(seconds=90)  # 22:01:50, 50 % of 180 seconds
    assert clock.next_check_at == clock.warn_at

    assert sla_sweep(now=clock.warn_at - S).notices == 0  # 22:01:49: not yet
    assert sla_sweep(now=clock.warn_at).notices == 1
    assert list(ClockNotice.objects.filter(clock=clock).values_list("kind", flat=True)) == [NoticeKind.WARNING]


def test_pausing_and_resuming_keeps_the_seconds_used(emergency, org):
    case, _ = emergency
    with time_machine.travel(T0 + dt.timedelta(seconds=50), tick=False):
        case = case_suspend(case=case, actor=org.cs_supervisor, expected_version=None, reason="联系不上报修人")
    clock = Clock.objects.get(case=case, key="emergency_notify")
    assert (clock.used_minutes, clock.used_extra_seconds) == (0, 50)
    resumed = T0 + dt.timedelta(minutes=10)
    with time_machine.travel(resumed, tick=False):
        case_resume(case=case, actor=org.cs_supervisor, expected_version=None)
    clock.refresh_from_db()
    # 180 s allowed − 50 s used = 130 s from the resume; the warning 90 − 50 = 40 s after it.
    assert clock.deadline == resumed + dt.timedelta(seconds=130)
    assert clock.warn_at == resumed + dt.timedelta(seconds=40)
