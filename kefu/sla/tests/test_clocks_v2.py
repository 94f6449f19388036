"""Deadlines of format v2 on the real 2026 calendar: ladders that start with the matter (seed-002 Doc 5)
and change the case, promised times (篇6/篇12), tiered extensions only where the rulebook allows them
(001 篇10), and conditions written as expressions. Rulebook: kefu/rulebooks/tests/format_v2.yaml."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from kefu.cases.choices import EventKind
from kefu.cases.models import Case, CaseSupervisor
from kefu.cases.services import case_register, case_transition, case_update_classification
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.sla.choices import ClockStatus, NoticeKind
from kefu.sla.extensions import clock_extend, clock_promise
from kefu.sla.models import Clock, ClockNotice, Notification
from kefu.sla.sweep import SweepResult, _Caches, _sweep_batch, sla_sweep
from kefu.sla.tasks import sla_sweep_task

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=SH)  # a Monday


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def register(org, customer, case_type, actor=None, at=T0, **extra) -> Case:
    params = dict(
        rulebook_key="format-v2",
        case_type=case_type,
        customer=customer,
        channel="hotline",
        title="测试",
        description="内容。",
    )
    params.update(extra)
    with time_machine.travel(at, tick=False):
        case, _ = case_register(actor=actor or org.agent, **params)
    return case


def step(case: Case, name: str, actor, at, **data) -> Case:
    with time_machine.travel(at, tick=False):
        return case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)


# --------------------------------------------------------------------------------------------------
# Escalation when the matter is still unresolved (ladder from the start), with steps that change the case


def emergency(org, customer) -> tuple[Case, Clock]:
    # Reported by the after-sales handler, so the department's manager and supervisor are the nearest.
    case = register(org, customer, "emergency", actor=org.handler, category="emergency", title="配电房冒烟")
    return case, Clock.objects.get(case=case, key="resolve")


def test_an_unresolved_emergency_goes_up_at_5_and_10_minutes_and_changes_the_case(org, customer, v2_rulebook):
    """seed-002 Doc 5: not resolved within 5 minutes → the property company's head (here: added as a
    supervisor of the case); within 10 minutes → the board (here: the case is also handed to the
    supervisor). Counted from the report, whatever the deadline; each step exactly once."""
    case, clock = emergency(org, customer)
    assert clock.next_check_at == T0 + dt.timedelta(minutes=5)  # the first step, before the warning
    assert sla_sweep(now=T0 + dt.timedelta(minutes=4, seconds=59)).notices == 0
    result = sla_sweep(now=T0 + dt.timedelta(minutes=5))
    assert (result.notices, result.case_changes) == (1, 1)
    assert list(CaseSupervisor.objects.filter(case=case).values_list("user__username", flat=True)) == ["manager"]
    assert Case.objects.visible_to(org.manager).filter(pk=case.pk).exists()
    again = sla_sweep(now=T0 + dt.timedelta(minutes=5, seconds=30))
    assert (again.notices, again.case_changes) == (0, 0)
    sla_sweep(now=T0 + dt.timedelta(minutes=10))
    case.refresh_from_db()
    assert case.assignee == org.supervisor
    events = list(case.events.filter(kind=EventKind.ESCALATION).order_by("id").values_list("message", flat=True))
    assert len(events) == 2
    assert "manager added as supervisor" in events[0] and "handed from — to supervisor" in events[1]
    # (No warning: by the time a sweep looked, the 10-minute deadline itself had come.)
    notices = sorted(ClockNotice.objects.filter(clock=clock).values_list("kind", "level"))
    assert notices == [(NoticeKind.ESCALATION, 1), (NoticeKind.ESCALATION, 2)]
    told = set(
        Notification.objects.filter(notice__clock=clock, notice__level=2).values_list("recipient__username", flat=True)
    )
    assert told == {"gm"}


def test_resolved_in_time_nothing_goes_up(org, customer, v2_rulebook):
    case, clock = emergency(org, customer)
    step(case, "resolve", org.handler, T0 + dt.timedelta(minutes=4))
    clock.refresh_from_db()
    assert clock.status == ClockStatus.MET
    sla_sweep(now=T0 + dt.timedelta(minutes=30))
    assert not ClockNotice.objects.filter(clock=clock).exists()
    assert not CaseSupervisor.objects.exists()


def test_a_change_left_pending_by_a_dead_worker_is_made_once_by_the_next_run(org, customer, v2_rulebook):
    case, clock = emergency(org, customer)
    # The batch that fires the step commits, and the process dies before making the case change.
    now = T0 + dt.timedelta(minutes=5)
    _sweep_batch(now=now, batch=100, caches=_Caches(now), result=SweepResult())
    notice = ClockNotice.objects.get(clock=clock, level=1)
    assert notice.actions_pending and not CaseSupervisor.objects.exists()
    with time_machine.travel(now + dt.timedelta(seconds=20), tick=False):
        assert sla_sweep_task()["case_changes"] == 1
        assert sla_sweep_task()["case_changes"] == 0
    notice.refresh_from_db()
    assert not notice.actions_pending
    assert CaseSupervisor.objects.filter(case=case).count() == 1
    assert case.events.filter(kind=EventKind.ESCALATION).count() == 1


# --------------------------------------------------------------------------------------------------
# Promised deadlines


def claim_in_negotiation(org, customer) -> Case:
    # Received in 售后部 (its handler owns it), so the department's supervisor and manager act on it.
    case = register(org, customer, "quality_claim", actor=org.handler, category="quality", fields={"order_no": "SO-9"})
    at = T0 + dt.timedelta(hours=1)
    case = step(case, "to_qa", org.supervisor, at)
    case = step(case, "qa_done", org.quality, at, cause="尺寸", responsibility="company")
    case = step(case, "propose", org.handler, at, remedies=[{"kind": "allowance", "amount": "100"}])
    return step(case, "route_approve", org.manager, at)


def test_a_promised_time_is_set_within_bounds_then_runs_like_any_deadline(org, customer, v2_rulebook):
    """篇12: "if a reply is needed, promise the customer a reply deadline". The rulebook bounds it (1 to
    72 hours after negotiation starts) and names who may promise."""
    case = claim_in_negotiation(org, customer)
    clock = Clock.objects.get(case=case, key="reply_promise")
    assert (clock.awaiting_promise, clock.deadline, clock.next_check_at) == (True, None, None)
    started = T0 + dt.timedelta(hours=1)
    now = started + dt.timedelta(minutes=10)

    def promise(deadline, actor=org.handler, reason="已向客户承诺") -> Clock:
        with time_machine.travel(now, tick=False):
            return clock_promise(
                clock=clock, actor=actor, deadline=deadline, reason=reason, expected_version=case.version
            )

    with pytest.raises(ApplicationError) as err:
        promise(started + dt.timedelta(hours=72, minutes=1))
    assert "between 2026-03-09 12:00 and 2026-03-12 11:00" in err.value.extra["deadline"][0]
    with pytest.raises(ApplicationError):
        promise(started + dt.timedelta(minutes=30))  # under the 1-hour minimum
    with pytest.raises(ForbiddenError):
        promise(started + dt.timedelta(days=1), actor=org.technician)
    promised_for = dt.datetime(2026, 3, 10, 17, 0, tzinfo=SH)
    clock = promise(promised_for)
    assert (clock.deadline, clock.awaiting_promise, clock.rule) == (promised_for, False, "promised → 2026-03-10 17:00")
    case.refresh_from_db()
    event = case.events.filter(kind=EventKind.DEADLINE).get()
    assert event.data["promised"] == "2026-03-10T17:00:00+08:00"
    # A classification change does not move a promised time.
    with time_machine.travel(now + dt.timedelta(minutes=5), tick=False):
        case = case_update_classification(
            case=case, actor=org.supervisor, expected_version=case.version, severity="special", reason="升级"
        )
    clock.refresh_from_db()
    assert clock.deadline == promised_for
    sla_sweep(now=promised_for)
    assert ClockNotice.objects.filter(clock=clock, kind=NoticeKind.OVERDUE).exists()
    # Changing the promise is recorded like the first one.
    now = dt.datetime(2026, 3, 10, 16, 0, tzinfo=SH)
    clock = Clock.objects.get(pk=clock.pk)
    case.refresh_from_db()
    with time_machine.travel(now, tick=False):
        clock = clock_promise(
            clock=clock,
            actor=org.supervisor,
            deadline=dt.datetime(2026, 3, 11, 12, 0, tzinfo=SH),
            reason="客户同意延后",
            expected_version=case.version,
        )
    assert clock.deadline == dt.datetime(2026, 3, 11, 12, 0, tzinfo=SH)
    messages = list(case.events.filter(kind=EventKind.DEADLINE).values_list("message", flat=True))
    assert "was 2026-03-10 17:00" in messages[-1] and "客户同意延后" in messages[-1]


# --------------------------------------------------------------------------------------------------
# Extensions: only where the rulebook allows, tiers of approvers, the customer's consent


def test_extensions_only_for_special_cases_with_tiers_and_consent(org, customer, v2_rulebook):
    """001 篇10: only an especially complex (特殊复杂) case may be extended; the longer the total
    extension, the higher the approver."""
    # Received in 售后部, whose supervisor and manager act on it.
    case = register(org, customer, "quality_claim", actor=org.handler, category="quality", fields={"order_no": "SO-7"})
    close = Clock.objects.get(case=case, key="close")
    at = T0 + dt.timedelta(days=1)

    def extend(days, actor, consent=None):
        with time_machine.travel(at, tick=False):
            fresh = Case.objects.get(pk=case.pk)
            return clock_extend(
                clock=Clock.objects.get(pk=close.pk),
                actor=actor,
                amount=days,
                unit="calendar_days",
                reason="需外部检测",
                expected_version=fresh.version,
                customer_consent=consent,
            )

    with pytest.raises(ApplicationError, match='only when severity == "special"'):
        extend(3, org.manager)
    with time_machine.travel(at, tick=False):
        case_update_classification(
            case=case, actor=org.supervisor, expected_version=case.version, severity="special", reason="需外部取证"
        )
    assert close.deadline == dt.datetime(2026, 3, 25, 0, 0, tzinfo=SH)  # 15 calendar days: the end of 03-24
    first = extend(3, org.manager, consent=True)
    assert first.deadline == dt.datetime(2026, 3, 29, 0, 0, tzinfo=SH)
    with pytest.raises(ForbiddenError, match="up to 15 calendar_days in total needs the approval of: General manager"):
        extend(3, org.manager)
    second = extend(3, org.gm)
    assert second.deadline == dt.datetime(2026, 4, 2, 0, 0, tzinfo=SH)
    with pytest.raises(ApplicationError) as err:
        extend(10, org.gm)
    assert "amount" in err.value.extra
    messages = list(Case.objects.get(pk=case.pk).events.filter(kind=EventKind.DEADLINE).values_list("message", "data"))
    assert "The customer agreed." in messages[0][0] and messages[0][1]["customer_consent"] is True
    assert "customer_consent" not in messages[1][1]


# --------------------------------------------------------------------------------------------------
# Conditions as expressions on clocks


@pytest.mark.parametrize(("anonymous", "subject", "due"), [(True, None, (3, 10)), (True, "supervisor", (3, 11))])
def test_clock_variant_written_as_an_expression(org, customer, v2_rulebook, anonymous, subject, due):
    case = register(
        org,
        customer,
        "report",
        category="misconduct",
        is_anonymous=anonymous,
        subject_person=getattr(org, subject) if subject else None,
    )
    clock = Clock.objects.get(case=case, key="scope")
    assert clock.deadline == dt.datetime(2026, *due, 17, 30, tzinfo=SH)
    assert clock.rule.startswith("is_anonymous and not has_subject →") == (subject is None)
