"""Escalation ladders can name "on_duty": whoever is on shift for the case's unit when the step fires.

seed-004 D6 三: "供暖期间呼叫中心实行24小时倒班制度" — at night the desk is the person on the night shift, not
the office-hours supervisor; a step that names the duty person must reach them, also across midnight.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.cases.services import case_register, case_transition
from kefu.duty.models import ShiftPattern
from kefu.duty.services import roster_add_shift, roster_create, roster_publish
from kefu.rulebooks.schema import RulebookError, parse_rulebook
from kefu.rulebooks.services import rulebook_load
from kefu.sla.models import ClockNotice, Notification
from kefu.sla.sweep import sla_sweep

TZ = ZoneInfo("Asia/Shanghai")

RULEBOOK = """\
key: night-desk
name: 夜间报修
numbering: {pattern: "YJ{yy}{mm}{seq:04d}"}
severities: [{code: normal, label: 一般}]
categories: [{code: fault, label: 故障}]
calendar: 24x7
escalation_ladders:
  night:
    - {after: 0 minutes, notify: [on_duty], label: 值班人员处理}
    - {after: 30 minutes, notify: [on_duty, supervisor], label: 值班人员与主管}
operations: {transfer: [supervisor]}
case_types:
  repair:
    label: 报修
    kind: repair
    initial: received
    states:
      received: {label: 已受理}
      routed: {label: 已派发}
      fixed: {label: 已修复, kind: closed}
    transitions:
      - {name: route, label: 派发, action: route, from: [received], to: routed, roles: [agent]}
      - {name: fix, label: 修复, action: close, from: [routed], to: fixed, roles: [handler, supervisor]}
    sla:
      clocks:
        - {key: fix, label: 抢修, stops_on: [fixed], within: 2 hours, ladder: night}
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def night_roster(org, rulebooks):
    night = ShiftPattern.objects.create(name="夜班", code="night", start=time(20), duration_minutes=720)
    office = ShiftPattern.objects.create(name="白班", code="office", start=time(8, 30), duration_minutes=510)
    roster = roster_create(unit=org.aftersales, month=date(2026, 3, 1), actor=org.supervisor)
    roster_add_shift(roster=roster, pattern=night, person=org.handler, day=date(2026, 3, 10), actor=org.supervisor)
    roster_add_shift(roster=roster, pattern=office, person=org.manager, day=date(2026, 3, 11), actor=org.supervisor)
    roster_publish(roster=roster, actor=org.supervisor)
    rulebook_load(text=RULEBOOK, source="night-desk.yaml")


def _routed_case(org, customer, received: datetime):
    with time_machine.travel(received, tick=False):
        case, _ = case_register(
            actor=org.agent,
            rulebook_key="night-desk",
            case_type="repair",
            customer=customer,
            channel="phone",
            category="fault",
            title="暖气不热",
            description="夜间来电：暖气片冰凉。",
        )
        return case_transition(
            case=case,
            actor=org.agent,
            transition="route",
            expected_version=case.version,
            data={"unit": org.aftersales.pk},
        )


def _told(level: int) -> set[str]:
    return set(Notification.objects.filter(notice__level=level).values_list("recipient__username", flat=True))


def test_a_step_naming_on_duty_reaches_the_night_shift_across_midnight(org, customer, night_roster):
    # Received 22:30; due 00:30 (2 hours); level 1 at the deadline — after midnight, still the night shift.
    case = _routed_case(org, customer, at(10, 22, 30))
    sla_sweep(now=at(11, 0, 30))
    assert _told(1) == {"handler"}
    # Level 2 at 01:00 names the duty person and the department's supervisor.
    sla_sweep(now=at(11, 1, 0))
    assert _told(2) == {"handler", "supervisor"}
    assert not ClockNotice.objects.filter(clock__case=case, fallback=True).exists()


def test_in_office_hours_the_day_shift_is_on_duty(org, customer, night_roster):
    case = _routed_case(org, customer, at(11, 9, 0))
    sla_sweep(now=at(11, 11, 0))
    assert _told(1) == {"manager"}
    assert case.clocks.get().notices.get(level=1).targets == ["on_duty"]


def test_nobody_on_duty_falls_back_like_any_target(org, customer, night_roster):
    """Between 08:00 (the night shift ends) and 08:30 (the day shift starts) nobody is on duty: the notice
    is not silent, it goes to the fallback people and says whom it was meant for."""
    _routed_case(org, customer, at(11, 6, 0) - timedelta(minutes=1))
    sla_sweep(now=at(11, 8, 5))
    notice = ClockNotice.objects.get(level=1)
    assert notice.fallback and notice.targets == ["on_duty"]
    assert _told(1) == {"admin"}


def test_a_rulebook_may_name_on_duty_only_because_the_duty_app_registered_it():
    from kefu.org.targets import registered_targets, unregister_target

    saved = registered_targets()["on_duty"]
    unregister_target("on_duty")
    try:
        with pytest.raises(RulebookError) as err:
            parse_rulebook(RULEBOOK, source="night-desk.yaml")
        assert "unknown recipient(s) ['on_duty']" in str(err.value)
    finally:
        from kefu.org.targets import register_target

        register_target(saved.name, label=saved.label, resolve=saved.resolve)
