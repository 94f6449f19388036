"""Visit reports, extensions, the supervisor's review and flags, and late-report notices (seed-002 Doc 1).

Doc 1 4.4(1) "在结束回访的第二天应根据《客户回访记录表》…形成《客户回访报告》"; 4.4(2) "回访结束后,回访人员应在
三天内将回访的相关资料提交部门主管审核,如果由于客观原因确实无法提交的,应报部门主管同意后一周内提交"; 4.5 "主管领导
对下属人员提交的《客户回访记录表》、《客户回访报告》进行审查,并提出指导意见"; 5.2 "未回访一次,当事人…罚款500元".

The visitor is the handler of 杭州公司 售后部 (its supervisor reviews, its manager keeps the ledger); a
supervisor of the other city's department with the same kind of name may not touch the visit.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.sla.models import Notification
from kefu.visits.choices import ExtensionStatus, FlagKind, ReportStatus, VisitStatus
from kefu.visits.models import VisitFlag, VisitReportLate
from kefu.visits.reports import (
    flags_for_ledger,
    report_deadlines,
    visit_flag,
    visit_report_extension_decide,
    visit_report_extension_request,
    visit_report_review,
    visit_report_submit,
    visit_reports_late_notify,
)
from kefu.visits.services import visit_record, visit_reschedule, visit_schedule

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SH)
ANSWERS = {"solved": "yes", "attitude": "满意", "charged": "no", "score": 9}


def at(day: int, hour: int = 10):
    return time_machine.travel(dt.datetime(2026, 12, day, hour, 0, tzinfo=SH), tick=False)


def made_visit(org, customer, *, visitor=None):
    """A visit made and recorded on Monday 7 December 2026 by the 售后部 handler."""
    visitor = visitor or org.handler
    with time_machine.travel(MONDAY, tick=False):
        task = visit_schedule(
            actor=visitor,
            customer=customer,
            visitor=visitor,
            due_date=MONDAY.date(),
            purpose="usage",
            questionnaire="d6",
        )
        visit_record(task=task, actor=visitor, expected_version=1, answers=ANSWERS, summary="客户对维修结果满意。")
    task.refresh_from_db()
    return task


def test_deadlines_submitted_in_time_sent_back_and_approved(org, customer, visits_rulebook):
    """Visit on Mon 7 Dec: report due Tue 8, submit by Thu 10. Submitted Wed 9 (in time); the supervisor
    sends it back with a comment (the visitor is told), it comes back on Thu 10 and is approved."""
    task = made_visit(org, customer)
    deadlines = report_deadlines(task)
    assert (deadlines.report_due, deadlines.submit_by) == (dt.date(2026, 12, 8), dt.date(2026, 12, 10))
    with at(9):
        report = visit_report_submit(
            task=task, actor=org.handler, expected_version=task.version, summary="电话回访，问题已解决，评分 9。"
        )
    assert (report.status, report.late) == (ReportStatus.SUBMITTED, False)
    task.refresh_from_db()
    with pytest.raises(ForbiddenError):  # the other city's supervisor
        visit_report_review(task=task, actor=org.outsider_supervisor, expected_version=task.version, approve=True)
    with pytest.raises(ApplicationError) as no_comment:
        visit_report_review(task=task, actor=org.supervisor, expected_version=task.version, approve=False)
    assert "comment" in no_comment.value.extra
    with at(9, 15):
        report = visit_report_review(
            task=task, actor=org.supervisor, expected_version=task.version, approve=False, comment="请补充收费情况。"
        )
    assert report.status == ReportStatus.RETURNED
    note = Notification.objects.get(recipient=org.handler, message_code="visits.report_returned")
    assert note.params["comment"] == "请补充收费情况。"
    task.refresh_from_db()
    with at(10):
        report = visit_report_submit(
            task=task, actor=org.handler, expected_version=task.version, summary="未收费，问题已解决，评分 9。"
        )
    task.refresh_from_db()
    report = visit_report_review(task=task, actor=org.supervisor, expected_version=task.version, approve=True)
    assert (report.status, report.late, report.reviewed_by) == (ReportStatus.APPROVED, False, org.supervisor)
    assert list(task.events.values_list("kind", flat=True)) == [
        "scheduled",
        "recorded",
        "reported",
        "reviewed",
        "reported",
        "reviewed",
    ]


def test_a_missing_report_is_told_once_after_three_days_and_marked_late(org, customer, visits_rulebook):
    """Submit by Thu 10: the nightly run on Thu 10 tells nobody; on Fri 11 the handler and the 售后部
    supervisor get one notice each; the rerun sends none; a report submitted on Fri 11 is late."""
    task = made_visit(org, customer)
    assert visit_reports_late_notify(today=dt.date(2026, 12, 10)) == 0
    assert visit_reports_late_notify(today=dt.date(2026, 12, 11)) == 1
    assert visit_reports_late_notify(today=dt.date(2026, 12, 12)) == 0
    assert VisitReportLate.objects.filter(task=task).count() == 1
    told = set(
        Notification.objects.filter(message_code="visits.report_late").values_list("recipient__username", flat=True)
    )
    assert told == {"handler", "supervisor"}
    with at(11):
        report = visit_report_submit(task=task, actor=org.handler, expected_version=task.version, summary="补交报告。")
    assert report.late is True


def test_a_week_with_the_supervisors_consent(org, customer, visits_rulebook):
    """Asked on Wed 9 and approved: submit by Mon 14 (7 days after the visit) — no notice on Fri 11,
    one on Tue 15; a report on Mon 14 is in time. A second request is refused."""
    task = made_visit(org, customer)
    with at(9):
        visit_report_extension_request(
            task=task, actor=org.handler, expected_version=task.version, reason="客户外出，资料待补"
        )
    assert Notification.objects.filter(recipient=org.supervisor, message_code="visits.extension_requested").exists()
    task.refresh_from_db()
    with pytest.raises(ForbiddenError):  # the visitor cannot consent to their own week
        visit_report_extension_decide(task=task, actor=org.handler, expected_version=task.version, approve=True)
    extension = visit_report_extension_decide(
        task=task, actor=org.supervisor, expected_version=task.version, approve=True
    )
    assert extension.status == ExtensionStatus.APPROVED
    task.refresh_from_db()
    assert report_deadlines(task).submit_by == dt.date(2026, 12, 14)
    assert visit_reports_late_notify(today=dt.date(2026, 12, 11)) == 0
    with at(10), pytest.raises(ApplicationError):
        visit_report_extension_request(task=task, actor=org.handler, expected_version=task.version, reason="再延期")
    with at(14):
        report = visit_report_submit(task=task, actor=org.handler, expected_version=task.version, summary="报告。")
    assert report.late is False
    assert visit_reports_late_notify(today=dt.date(2026, 12, 15)) == 0  # submitted: nothing to tell


def test_flags_go_to_the_managers_who_keep_the_ledger(org, customer, visits_rulebook):
    """The supervisor flags the handler's recorded visit as falsified (the customer says nobody called):
    the 售后部 manager is told, the handler is not; the ledger reads it from `flags_for_ledger`; the same
    flag twice is refused; a visit closed as not reachable can be flagged as missed."""
    task = made_visit(org, customer)
    with pytest.raises(ForbiddenError):
        visit_flag(task=task, actor=org.agent, expected_version=task.version, kind=FlagKind.FALSIFIED, reason="x")
    with pytest.raises(ApplicationError) as wrong:
        visit_flag(task=task, actor=org.supervisor, expected_version=task.version, kind=FlagKind.MISSED, reason="x")
    assert "kind" in wrong.value.extra
    with at(8):
        flag = visit_flag(
            task=task,
            actor=org.supervisor,
            expected_version=task.version,
            kind=FlagKind.FALSIFIED,
            reason="抽查：客户称当天无人来电。",
        )
    note = Notification.objects.get(message_code="visits.flagged")
    assert note.recipient == org.manager and note.params["person"] == str(org.handler)
    task.refresh_from_db()
    with pytest.raises(ApplicationError):
        visit_flag(
            task=task, actor=org.supervisor, expected_version=task.version, kind=FlagKind.FALSIFIED, reason="再次"
        )
    rows = flags_for_ledger(since=dt.datetime(2026, 12, 1, tzinfo=SH), until=dt.datetime(2027, 1, 1, tzinfo=SH))
    assert [(r["flag"], r["kind"], r["person_id"], r["customer_id"]) for r in rows] == [
        (flag.pk, "falsified", org.handler.pk, customer.pk)
    ]

    with time_machine.travel(MONDAY, tick=False):
        other = visit_schedule(
            actor=org.handler, customer=customer, visitor=org.handler, due_date=MONDAY.date(), purpose="usage"
        )
        for _attempt in range(3):
            other = visit_reschedule(
                task=other, actor=org.handler, expected_version=other.version, reason="not_reachable"
            )
    assert other.status == VisitStatus.UNREACHABLE
    visit_flag(
        task=other,
        actor=org.supervisor,
        expected_version=other.version,
        kind=FlagKind.MISSED,
        reason="三次未接通后未上门。",
    )
    assert VisitFlag.objects.filter(person=org.handler).count() == 2


def test_a_record_written_the_day_after_is_flagged_late(org, customer, load_visits):
    """With `record_days: 1` a visit made on Mon 7 may be recorded on Tue 8, and the record says so."""
    load_visits(("record_days: 0", "record_days: 1"))
    with time_machine.travel(MONDAY, tick=False):
        task = visit_schedule(
            actor=org.handler,
            customer=customer,
            visitor=org.handler,
            due_date=MONDAY.date(),
            purpose="usage",
            questionnaire="d6",
        )
    with at(8):
        record = visit_record(
            task=task, actor=org.handler, expected_version=1, answers=ANSWERS, visited_on=dt.date(2026, 12, 7)
        )
    assert record.written_late is True
