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
    """Doc 5 第6条 "3分钟内知会相关部门…5分钟内上报物业公司主管领导", 第7条 "10分钟内电话上报董事领导".
    A missed 3-minute notice is chased with the receiver and the front desk's supervisor only; the
    leaders hear because the matter is unresolved 5 and 10 minutes after receipt (22:05, 22:10)."""
    case = register(make_case, "emergency")
    notify = Clock.objects.get(case=case, key="emergency_notify")
    resolve = Clock.objects.get(case=case, key="emergency_resolve")
    assert notify.deadline == T0 + dt.timedelta(minutes=3)

    def fired(clock):
        return sorted(ClockNotice.objects.filter(clock=clock).values_list("kind", "level"))

    sla_sweep(now=T0 + dt.timedelta(minutes=2, seconds=50))
    assert fired(notify) == [(NoticeKind.WARNING, 0)]
    sla_sweep(now=T0 + dt.timedelta(minutes=3))
    assert (NoticeKind.OVERDUE, 1) in fired(notify)
    told = set(
        Notification.objects.filter(notice__clock=notify, notice__level=1).values_list("recipient__username", flat=True)
    )
    assert told == {"agent", "cs_supervisor"}  # the receiver and the front desk's supervisor
    sla_sweep(now=T0 + dt.timedelta(minutes=4, seconds=59))
    assert fired(resolve) == []
    sla_sweep(now=T0 + dt.timedelta(minutes=5))
    sla_sweep(now=T0 + dt.timedelta(minutes=10))
    assert fired(resolve) == [(NoticeKind.ESCALATION, 1), (NoticeKind.ESCALATION, 2)]
    level1 = set(
        Notification.objects.filter(notice__clock=resolve, notice__level=1).values_list(
            "recipient__username", flat=True
        )
    )
    level2 = set(
        Notification.objects.filter(notice__clock=resolve, notice__level=2).values_list(
            "recipient__username", flat=True
        )
    )
    assert "deputy_gm" in level1 and level2 == {"gm"}
    # The leaders join the case as its 督办人.
    assert set(case.supervisors.values_list("user__username", flat=True)) == {"deputy_gm", "gm"}


def test_notifying_in_time_does_not_stop_the_leaders_hearing_of_an_unresolved_matter(org, make_case):
    """Doc 5 第6、7条 count from receipt (接报后): the department was told at 2 minutes, but the matter is
    still unresolved at 5 minutes, so the 物业公司主管领导 hears; handled at 7 minutes, the board does not."""
    case = register(make_case, "emergency")
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        case = case_transition(
            case=case,
            actor=org.agent,
            transition="notify_emergency",
            expected_version=case.version,
            data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
        )
    sla_sweep(now=T0 + dt.timedelta(minutes=5))
    resolve = Clock.objects.get(case=case, key="emergency_resolve")
    assert list(ClockNotice.objects.filter(clock=resolve).values_list("level", flat=True)) == [1]
    case.refresh_from_db()
    with time_machine.travel(T0 + dt.timedelta(minutes=7), tick=False):
        case_transition(
            case=case,
            actor=org.handler,
            transition="handle",
            expected_version=case.version,
            data={"cause": "水管爆裂，已关阀抢修", "responsibility": "company"},
        )
    resolve.refresh_from_db()
    assert resolve.status == ClockStatus.MET  # within its 10 minutes
    sla_sweep(now=T0 + dt.timedelta(minutes=15))
    assert list(ClockNotice.objects.filter(clock=resolve).values_list("level", flat=True)) == [1]


def test_notifying_the_department_in_time_stops_the_ladder(org, make_case):
    """The 3-minute notice met: no overdue notice on that clock (the leaders' ladder is another clock)."""
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
