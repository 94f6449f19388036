"""Return visits: schedule, record (same-day rule, typed answers), reschedule with the attempt limit,
cancel with a reason; locked and versioned (seed-002 Doc 1, seed-004 D6 四.2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.visits.choices import RescheduleReason, VisitEventKind, VisitMethod, VisitPurpose, VisitStatus
from kefu.visits.models import VisitTask
from kefu.visits.services import visit_cancel, visit_record, visit_reschedule, visit_schedule

SATISFIED = {"solved": "yes", "attitude": "满意", "charged": "no", "score": 9, "suggestions": "师傅很专业"}


@pytest.fixture
def task(org, customer, visits_rulebook):
    return visit_schedule(
        actor=org.cs_supervisor,
        customer=customer,
        visitor=org.agent,
        due_date=timezone.localdate(),
        purpose=VisitPurpose.USAGE,
        method=VisitMethod.PHONE,
        questionnaire="d6",
    )


def test_a_supervisor_plans_a_visit_and_the_agent_records_it_the_same_day(org, task):
    assert (task.status, task.version, task.unit, task.questionnaire["title"]) == ("open", 1, org.service, "维修回访")
    record = visit_record(task=task, actor=org.agent, expected_version=1, answers=SATISFIED, summary="客户表示满意")
    task.refresh_from_db()
    assert (task.status, task.version) == (VisitStatus.DONE, 2)
    assert record.answers == SATISFIED and record.unsatisfied is False and record.follow_up_case is None
    assert [e.kind for e in task.events.all()] == [VisitEventKind.SCHEDULED, VisitEventKind.RECORDED]


def test_every_bad_answer_is_named_at_once_and_nothing_is_written(org, task):
    answers = {"solved": "maybe", "attitude": "还行", "score": 11, "color": "red"}
    with pytest.raises(ApplicationError) as refused:
        visit_record(task=task, actor=org.agent, expected_version=1, answers=answers)
    assert set(refused.value.extra) == {
        "answers.solved",
        "answers.attitude",
        "answers.score",
        "answers.color",
        "answers.charged",  # required and missing; suggestions is optional
    }
    task.refresh_from_db()
    assert (task.status, task.version) == ("open", 1) and not hasattr(task, "record")


def test_the_record_is_written_the_day_of_the_visit(org, task):
    """Doc 1 (日清日结), `deadlines.record_days: 0`: yesterday's visit can no longer be recorded today."""
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ApplicationError) as refused:
        visit_record(task=task, actor=org.agent, expected_version=1, answers=SATISFIED, visited_on=yesterday)
    assert "visited_on" in refused.value.extra
    with pytest.raises(ApplicationError):
        visit_record(
            task=task, actor=org.agent, expected_version=1, answers=SATISFIED, visited_on=yesterday + timedelta(days=2)
        )


def test_a_stale_version_is_409_and_a_stranger_is_403(org, task):
    with pytest.raises(ConflictError):
        visit_record(task=task, actor=org.agent, expected_version=7, answers=SATISFIED)
    with pytest.raises(ForbiddenError):
        visit_record(task=task, actor=org.agent2, expected_version=1, answers=SATISFIED)
    with pytest.raises(ForbiddenError):  # a supervisor of another city
        visit_record(task=task, actor=org.outsider_supervisor, expected_version=1, answers=SATISFIED)
    # the agent's supervisor may record it for them
    visit_record(task=task, actor=org.cs_supervisor, expected_version=1, answers=SATISFIED)


def test_an_agent_cannot_plan_visits_for_a_colleague(org, customer, visits_rulebook):
    with pytest.raises(ForbiddenError):
        visit_schedule(
            actor=org.agent, customer=customer, visitor=org.agent2, due_date=timezone.localdate(), purpose="usage"
        )
    with pytest.raises(ApplicationError) as refused:
        visit_schedule(
            actor=org.agent,
            customer=customer,
            visitor=org.agent,
            due_date=timezone.localdate() - timedelta(days=1),
            purpose="picnic",
            method="pigeon",
            questionnaire="nope",
        )
    assert set(refused.value.extra) == {"due_date", "purpose", "method", "questionnaire"}


def test_an_on_site_visit_needs_the_customers_signature(org, customer, visits_rulebook):
    task = visit_schedule(
        actor=org.agent,
        customer=customer,
        visitor=org.agent,
        due_date=timezone.localdate(),
        purpose=VisitPurpose.RELATIONSHIP,
        method=VisitMethod.ON_SITE,
        questionnaire="d6",
    )
    with pytest.raises(ApplicationError) as refused:
        visit_record(task=task, actor=org.agent, expected_version=1, answers=SATISFIED)
    assert list(refused.value.extra) == ["customer_signed"]
    record = visit_record(task=task, actor=org.agent, expected_version=1, answers=SATISFIED, customer_signed=True)
    assert record.customer_signed


def test_not_reachable_twice_then_the_third_attempt_closes_it_as_unreachable(org, task):
    """`attempts: {limit: 3, retry_after_hours: 4}`: attempts 1 and 2 reschedule (4 hours later, or when
    the customer asked), the 3rd closes the task as not reachable."""
    before = timezone.now()
    task = visit_reschedule(task=task, actor=org.agent, expected_version=1, reason=RescheduleReason.NOT_REACHABLE)
    assert (task.status, task.attempts) == (VisitStatus.RESCHEDULED, 1)
    assert timedelta(hours=4) <= task.next_attempt_at - before < timedelta(hours=4, minutes=1)
    later = timezone.now() + timedelta(days=2)
    task = visit_reschedule(
        task=task, actor=org.agent, expected_version=2, reason=RescheduleReason.CALL_LATER, try_again_at=later
    )
    assert (task.status, task.attempts, task.next_attempt_at, task.due_date) == (
        VisitStatus.RESCHEDULED,
        2,
        later,
        timezone.localdate(later),
    )
    task = visit_reschedule(task=task, actor=org.agent, expected_version=3, reason=RescheduleReason.NOT_REACHABLE)
    assert (task.status, task.attempts, task.next_attempt_at) == (VisitStatus.UNREACHABLE, 3, None)
    assert [e.kind for e in task.events.all()][-1] == VisitEventKind.UNREACHABLE
    with pytest.raises(ApplicationError):
        visit_record(task=task, actor=org.agent, expected_version=4, answers=SATISFIED)


def test_rescheduling_refuses_a_time_in_the_past_and_an_unknown_reason(org, task):
    with pytest.raises(ApplicationError) as refused:
        visit_reschedule(
            task=task,
            actor=org.agent,
            expected_version=1,
            reason="holiday",
            try_again_at=timezone.now() - timedelta(hours=1),
        )
    assert set(refused.value.extra) == {"reason", "try_again_at"}
    with pytest.raises(ApplicationError) as refused:
        visit_reschedule(
            task=task,
            actor=org.agent,
            expected_version=1,
            reason=RescheduleReason.CALL_LATER,
            try_again_at=timezone.now() + timedelta(days=91),
        )
    assert list(refused.value.extra) == ["try_again_at"]
    assert VisitTask.objects.get(pk=task.pk).attempts == 0


def test_cancelling_needs_a_reason_and_a_call_back_only_a_supervisor_may_cancel(org, customer, task, visits_rulebook):
    with pytest.raises(ApplicationError) as refused:
        visit_cancel(task=task, actor=org.agent, expected_version=1, reason="  ")
    assert list(refused.value.extra) == ["reason"]
    task = visit_cancel(task=task, actor=org.agent, expected_version=1, reason="客户已搬离")
    assert (task.status, task.cancel_reason, task.version) == (VisitStatus.CANCELLED, "客户已搬离", 2)
    with pytest.raises(ApplicationError):  # no second ending
        visit_cancel(task=task, actor=org.cs_supervisor, expected_version=2, reason="重复")
