"""seed-002 Doc 5: an emergency is passed to the department within 3 minutes, else the company
leader hears at 5 minutes and the board-level leader at 10 — end to end through registration,
the clock lifecycle and the sweep. Routine complaints get no such clock; shop tenants (Doc 11)
get a 24-hour reply clock once dispatched."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from kefu.cases.services import case_transition
from kefu.sla.choices import ClockStatus, NoticeKind
from kefu.sla.models import Clock, ClockNotice, Notification
from kefu.sla.sweep import sla_sweep

SH = ZoneInfo("Asia/Shanghai")
# A Sunday night: minute-level clocks run on the 24x7 calendar whatever the office hours.
T0 = dt.datetime(2026, 3, 8, 22, 0, tzinfo=SH)


def register(make_case, category):
    with time_machine.travel(T0, tick=False):
        return make_case(rulebook_key="property-complaint", category=category, title="楼上漏水")


def test_emergency_escalates_at_3_5_and_10_minutes(org, make_case):
    case = register(make_case, "emergency")
    clock = Clock.objects.get(case=case, key="emergency_notify")
    assert clock.deadline == T0 + dt.timedelta(minutes=3)

    def fired():
        return sorted(ClockNotice.objects.filter(clock=clock).values_list("kind", "level"))

    sla_sweep(now=T0 + dt.timedelta(minutes=2, seconds=50))
    assert fired() == [(NoticeKind.WARNING, 0)]
    sla_sweep(now=T0 + dt.timedelta(minutes=3))
    assert (NoticeKind.OVERDUE, 1) in fired()
    sla_sweep(now=T0 + dt.timedelta(minutes=4, seconds=59))
    assert len(fired()) == 2
    sla_sweep(now=T0 + dt.timedelta(minutes=5))
    sla_sweep(now=T0 + dt.timedelta(minutes=10))
    sla_sweep(now=T0 + dt.timedelta(minutes=11))
    assert sorted(fired()) == sorted(
        [(NoticeKind.WARNING, 0), (NoticeKind.OVERDUE, 1), (NoticeKind.ESCALATION, 2), (NoticeKind.ESCALATION, 3)]
    )
    level2 = set(
        Notification.objects.filter(notice__clock=clock, notice__level=2).values_list("recipient__username", flat=True)
    )
    level3 = set(
        Notification.objects.filter(notice__clock=clock, notice__level=3).values_list("recipient__username", flat=True)
    )
    assert "deputy_gm" in level2 and level3 == {"gm"}


def test_notifying_the_department_in_time_stops_the_ladder(org, make_case):
    case = register(make_case, "emergency")
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        case = case_transition(
            case=case,
            actor=org.agent,
            transition="notify_emergency",
            expected_version=case.version,
            data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
        )
    clock = Clock.objects.get(case=case, key="emergency_notify")
    assert clock.status == ClockStatus.MET
    sla_sweep(now=T0 + dt.timedelta(minutes=15))
    assert not ClockNotice.objects.filter(clock=clock).exclude(kind=NoticeKind.WARNING).exists()


def test_routine_complaints_have_no_emergency_clock_and_shops_get_24_hours(org, make_case):
    routine = register(make_case, "routine")
    assert set(Clock.objects.filter(case=routine).values_list("key", flat=True)) == {"front_desk", "dispatch"}
    shop = register(make_case, "shop")
    for name, data in (("forward", {}), ("dispatch", {"unit": org.aftersales.pk})):
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
            shop = case_transition(
                case=shop, actor=org.agent, transition=name, expected_version=shop.version, data=data
            )
    reply = Clock.objects.get(case=shop, key="shop_reply")
    assert reply.deadline == T0 + dt.timedelta(hours=25)
