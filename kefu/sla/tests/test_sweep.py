"""The deadline sweep: warnings, overdue notices and escalation ladders fire once each, when due."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.calendars.models import WorkCalendar
from kefu.calendars.selectors import working_time_for
from kefu.sla.choices import ClockStatus, NoticeKind
from kefu.sla.models import Clock, ClockNotice, Notification
from kefu.sla.sweep import sla_sweep
from kefu.sla.tests.sweep_helpers import DEADLINE, WARN_AT, make_clock

pytestmark = pytest.mark.django_db

MIN = timedelta(minutes=1)


def ladder_times() -> list:
    """Fire times of the preset 'complaint' ladder for DEADLINE, from the real office calendar."""
    engine = working_time_for(WorkCalendar.objects.get(key="office"))
    return [
        engine.add(DEADLINE, 0, "minutes"),
        engine.add(DEADLINE, 4, "working_hours"),
        engine.add(DEADLINE, 1, "working_days"),
        engine.add(DEADLINE, 2, "working_days"),
    ]


def notices(clock: Clock) -> list[tuple[str, int]]:
    return list(ClockNotice.objects.filter(clock=clock).order_by("level", "kind").values_list("kind", "level"))


def test_nothing_fires_before_the_warning(make_case):
    clock = make_clock(make_case())
    result = sla_sweep(now=WARN_AT - MIN)
    assert result.clocks == 0
    assert notices(clock) == []


def test_warning_fires_at_warn_at_once(make_case, org):
    case = make_case()
    case.assignee = org.handler
    case.save(update_fields=["assignee"])
    clock = make_clock(case)

    result = sla_sweep(now=WARN_AT)
    assert (result.clocks, result.notices, result.notifications) == (1, 1, 2)
    assert notices(clock) == [(NoticeKind.WARNING, 0)]
    clock.refresh_from_db()
    assert clock.warned and clock.escalation_level == 0
    assert clock.next_check_at == DEADLINE  # the next thing this clock owes is the overdue notice
    people = set(Notification.objects.filter(notice__clock=clock).values_list("recipient__username", flat=True))
    assert people == {"agent", "handler"}

    again = sla_sweep(now=WARN_AT + 10 * MIN)
    assert (again.clocks, again.notices) == (0, 0)
    assert Notification.objects.count() == 2


def test_overdue_notice_at_the_deadline(make_case):
    clock = make_clock(make_case(), warned=True, next_check_at=DEADLINE)
    assert sla_sweep(now=DEADLINE - MIN).notices == 0
    result = sla_sweep(now=DEADLINE)
    assert result.notices == 1
    assert notices(clock) == [(NoticeKind.OVERDUE, 1)]
    notice = ClockNotice.objects.get(clock=clock)
    note = Notification.objects.get(notice=notice)
    assert note.kind == NoticeKind.OVERDUE and note.case_id == clock.case_id
    assert note.recipient.username == "agent"
    assert notice.recipients == [note.recipient_id]
    clock.refresh_from_db()
    assert clock.escalation_level == 1
    assert clock.next_check_at == ladder_times()[1]


def test_clock_without_ladder_gets_one_overdue_notice(make_case):
    clock = make_clock(make_case(), ladder="")
    sla_sweep(now=DEADLINE + 5 * MIN)
    sla_sweep(now=DEADLINE + timedelta(days=30))
    assert notices(clock) == [(NoticeKind.OVERDUE, 1)]  # the warning was stale by then: skipped
    clock.refresh_from_db()
    assert clock.next_check_at is None and clock.escalation_level == 1


def test_ladder_levels_fire_in_order_each_once(make_case, org):
    clock = make_clock(make_case())
    times = ladder_times()
    assert times == sorted(times) and len(set(times)) == 4
    expected = [(NoticeKind.WARNING, 0)]
    with time_machine.travel(WARN_AT, tick=False) as traveller:
        sla_sweep()
        assert notices(clock) == expected
        for level, at in enumerate(times, start=1):
            traveller.move_to(at - MIN)
            sla_sweep()
            assert notices(clock) == expected, f"level {level} fired early"
            traveller.move_to(at)
            for _ in range(3):  # repeated sweeps at the same moment add nothing
                sla_sweep()
            expected = [*expected, (NoticeKind.OVERDUE if level == 1 else NoticeKind.ESCALATION, level)]
            assert notices(clock) == expected
            clock.refresh_from_db()
            assert clock.escalation_level == level
        traveller.move_to(times[-1] + timedelta(days=60))
        sla_sweep()
    assert len(notices(clock)) == 5
    clock.refresh_from_db()
    assert clock.next_check_at is None
    # Level 2 goes to the supervisor of the receiving unit, level 4 to the general manager in the
    # group's leadership office; level 3 names a manager, and neither the customer-service
    # department's chain nor a leadership office has one: it goes to the fallback (the administrator).
    by_level = {
        level: set(
            Notification.objects.filter(notice__clock=clock, notice__level=level).values_list(
                "recipient__username", flat=True
            )
        )
        for level in range(5)
    }
    assert by_level == {0: {"agent"}, 1: {"agent"}, 2: {"cs_supervisor"}, 3: {"admin"}, 4: {"gm"}}
    fallback = {n.level: (n.fallback, n.targets) for n in ClockNotice.objects.filter(clock=clock)}
    assert fallback[3] == (True, ["manager"]) and fallback[4] == (False, ["general_manager"])


def test_a_sweep_after_downtime_fires_every_missed_level(make_case):
    clock = make_clock(make_case())
    result = sla_sweep(now=DEADLINE + timedelta(days=10))
    assert notices(clock) == [
        (NoticeKind.OVERDUE, 1),
        (NoticeKind.ESCALATION, 2),
        (NoticeKind.ESCALATION, 3),
        (NoticeKind.ESCALATION, 4),
    ]
    assert result.notices == 4
    clock.refresh_from_db()
    assert clock.warned and clock.escalation_level == 4 and clock.next_check_at is None


@pytest.mark.parametrize("status", [ClockStatus.PAUSED, ClockStatus.MET, ClockStatus.CANCELLED])
def test_a_clock_that_is_not_running_never_fires(make_case, status):
    clock = make_clock(make_case(), status=status)
    assert sla_sweep(now=DEADLINE + timedelta(days=30)).clocks == 0
    assert notices(clock) == []


def test_a_clock_without_deadline_is_never_due(make_case):
    clock = make_clock(make_case(), deadline=None, warn_at=None)
    assert clock.next_check_at is None
    assert sla_sweep(now=DEADLINE + timedelta(days=30)).clocks == 0


def test_existing_notice_is_not_fired_again_after_a_level_reset(make_case):
    """If the lifecycle resets a clock's level (e.g. recompute), the unique notice stops a repeat."""
    clock = make_clock(make_case(), warned=True, next_check_at=DEADLINE)
    sla_sweep(now=DEADLINE)
    Clock.objects.filter(pk=clock.pk).update(escalation_level=0, next_check_at=DEADLINE)
    result = sla_sweep(now=DEADLINE + MIN)
    assert result.notices == 0 and result.notifications == 0
    assert notices(clock) == [(NoticeKind.OVERDUE, 1)]
    clock.refresh_from_db()
    assert clock.escalation_level == 1


def test_a_year_without_schedule_is_logged_and_retried_later(make_case, caplog):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    late = datetime(2026, 12, 31, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock = make_clock(make_case(), deadline=late, warn_at=None, escalation_level=1, next_check_at=late)
    now = late + timedelta(days=3)
    result = sla_sweep(now=now)  # level 2 = 4 working hours into 2027, which has no schedule loaded
    assert result.errors == 1 and result.notices == 0
    clock.refresh_from_db()
    assert clock.next_check_at == now + timedelta(hours=1)
    assert "2027" in caplog.text


def test_emails_go_out_after_commit_and_only_once(make_case, org, django_capture_on_commit_callbacks):
    case = make_case()
    case.assignee = org.handler
    case.save(update_fields=["assignee"])
    make_clock(case)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sla_sweep(now=WARN_AT)
    assert mail.outbox == []  # nothing is sent inside the transaction
    assert len(callbacks) == 1  # one task for the batch, not one per notification
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@example.com", "handler@example.com"]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sla_sweep(now=WARN_AT + MIN)
    assert callbacks == [] and len(mail.outbox) == 2


@pytest.mark.parametrize("idle", [5, 500])
def test_sweep_queries_do_not_grow_with_clocks_that_are_not_due(make_case, idle, django_assert_max_num_queries):
    case = make_case()
    for i in range(10):
        make_clock(case, key=f"due{i}")
    far = DEADLINE + timedelta(days=400)
    Clock.objects.bulk_create(
        Clock(
            case=case,
            key=f"idle{i}",
            label="idle",
            calendar_id=Clock.objects.first().calendar_id,
            amount=2,
            unit="working_days",
            started_at=DEADLINE,
            deadline=far,
            warn_at=far,
            ladder="complaint",
            next_check_at=far,
        )
        for i in range(idle)
    )
    working_time_for(WorkCalendar.objects.get(key="office"))  # the process-wide engine cache, built once
    assert case.rulebook_version.doc
    # Bounded by the due clocks' distinct calendars, rulebooks, units and ladder roles (3 here), plus
    # one for the fallback people (level 3's manager is nobody here), never by the idle clocks.
    with django_assert_max_num_queries(17):
        result = sla_sweep(now=DEADLINE + timedelta(days=10))
    assert result.clocks == 10 and result.notices == 40


def test_sweep_query_count_is_the_same_for_few_and_many_idle_clocks(make_case):
    case = make_case()
    calendar = WorkCalendar.objects.get(key="office")
    working_time_for(calendar)  # build the process-wide calendar and rulebook caches first
    assert case.rulebook_version.doc
    counts = []
    for round_, idle in enumerate((5, 500)):
        now = DEADLINE + timedelta(days=10 + round_)
        for i in range(10):
            make_clock(case, key=f"r{round_}due{i}", warn_at=None, next_check_at=now - MIN)
        far = DEADLINE + timedelta(days=400)
        Clock.objects.bulk_create(
            Clock(
                case=case,
                key=f"r{round_}idle{i}",
                label="idle",
                calendar=calendar,
                amount=2,
                unit="working_days",
                started_at=DEADLINE,
                deadline=far,
                ladder="complaint",
                next_check_at=far,
            )
            for i in range(idle)
        )
        with CaptureQueriesContext(connection) as ctx:
            assert sla_sweep(now=now).clocks == 10
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_recusal_holds_when_two_cases_share_everyone_but_the_subject(make_case, org):
    """The sweep caches recipients; the subject person is part of the key, so the supervisor hears
    about the case that does not concern them and not about the one that does."""
    from kefu.cases.services import case_transition

    def routed(**kwargs):
        case = make_case(**kwargs)
        case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version)
        return case_transition(
            case=case,
            actor=org.agent,
            transition="route",
            expected_version=case.version,
            data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
        )

    about_supervisor = make_clock(routed(subject_person=org.supervisor))
    ordinary = make_clock(routed(), key="other")
    sla_sweep(now=ladder_times()[1])
    told = {
        clock.pk: set(
            Notification.objects.filter(notice__clock=clock, notice__level=2).values_list(
                "recipient__username", flat=True
            )
        )
        for clock in (about_supervisor, ordinary)
    }
    assert "supervisor" in told[ordinary.pk]
    # No other supervisor above after-sales or in a leadership office: the step goes to the fallback
    # (the administrator), never to the supervisor it is about.
    assert told[about_supervisor.pk] == {"admin"}
    assert ClockNotice.objects.get(clock=about_supervisor, level=2).fallback
