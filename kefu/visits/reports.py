"""Visit reports, their deadline extensions, the supervisor's review and flags, and the late-report
notices (seed-002 Doc 1 4.4–4.5, 5.2). Writes lock the visit task and write a `VisitEvent` in the
same transaction, as every change of a visit does (services.py).

Deadlines (the task's rulebook `visits.deadlines`, counted in calendar days from the day of the visit):
the report is due `report_days` after the visit (第二天) and must be submitted within `submit_days`
(三天内), or within `submit_days_with_consent` (一周内) when the supervisor approved an extension.
A report submitted after the deadline in force is marked late; a visit whose report is still missing
after it gets one `visits.report_late` notice (the `VisitReportLate` one-to-one key makes it once).

A supervisor's flag (falsified or missed visit) is offered to the appraisal ledger in two documented
ways that need no import of kefu.appraisal: the `visits.flagged` inbox notice to the managers of the
visitor's unit (they approve ledger entries) and the public read `flags_for_ledger(since=, until=)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.visits.choices import ExtensionStatus, FlagKind, ReportStatus, VisitEventKind, VisitStatus
from kefu.visits.models import VisitFlag, VisitReport, VisitReportExtension, VisitReportLate, VisitTask
from kefu.visits.rules import DeadlinesDef
from kefu.visits.services import _check_version, _lock, _record_change, _supervises

__all__ = (
    "ReportDeadlines",
    "flags_for_ledger",
    "report_deadlines",
    "visit_flag",
    "visit_report_extension_decide",
    "visit_report_extension_request",
    "visit_report_review",
    "visit_report_submit",
    "visit_reports_late_notify",
)

SUMMARY_LIMIT = 4000
COMMENT_LIMIT = 2000


@dataclass(frozen=True)
class ReportDeadlines:
    visited_on: date
    report_due: date  # the day after the visit (第二天)
    submit_by: date  # three days, or the consented week
    extended: bool


def report_deadlines(task: VisitTask) -> ReportDeadlines | None:
    """The report deadlines of a visit made (None before it has a record)."""
    record = getattr(task, "record", None)
    if record is None:
        return None
    rules = task.section.deadlines if task.section is not None else DeadlinesDef()
    extension = getattr(task, "report_extension", None)
    extended = extension is not None and extension.status == ExtensionStatus.APPROVED
    days = rules.submit_days_with_consent if extended else rules.submit_days
    return ReportDeadlines(
        visited_on=record.visited_on,
        report_due=record.visited_on + timedelta(days=rules.report_days),
        submit_by=record.visited_on + timedelta(days=days),
        extended=extended,
    )


def _visit_made(task: VisitTask) -> None:
    if task.status != VisitStatus.DONE or not hasattr(task, "record"):
        raise ApplicationError(
            _("Only a visit that was made and recorded has a report."),
            extra={"status": [_("Record the visit first.")]},
        )


def _report_of(task: VisitTask) -> VisitReport | None:
    try:
        return task.report
    except VisitReport.DoesNotExist:
        return None


def _extension_of(task: VisitTask) -> VisitReportExtension | None:
    try:
        return task.report_extension
    except VisitReportExtension.DoesNotExist:
        return None


@transaction.atomic
def visit_report_submit(
    *, task: VisitTask, actor: Any, expected_version: int | None, summary: str, evaluation: str = ""
) -> VisitReport:
    """The visitor submits the report of a visit made (or submits it again after it was sent back)."""
    task = _lock(task)
    record = getattr(task, "record", None)
    if actor.pk not in {task.visitor_id, record.visitor_id if record is not None else None}:
        raise ForbiddenError(_("Only the visitor submits the report of a visit."))
    _check_version(task, expected_version)
    _visit_made(task)
    errors = FieldErrors()
    summary = check_text(errors, "summary", summary, limit=SUMMARY_LIMIT, required=True)
    evaluation = check_text(errors, "evaluation", evaluation, limit=SUMMARY_LIMIT)
    errors.raise_if_any()
    now = timezone.now()
    report = _report_of(task)
    if report is not None and report.status != ReportStatus.RETURNED:
        raise ApplicationError(_("The report was already submitted."), extra={"status": [report.get_status_display()]})
    if report is None:
        deadlines = report_deadlines(task)
        report = VisitReport.objects.create(
            task=task,
            visitor=actor,
            summary=summary,
            evaluation=evaluation,
            status=ReportStatus.SUBMITTED,
            submitted_at=now,
            # A resubmission after being sent back is not late: the first submission counted.
            late=timezone.localdate(now) > deadlines.submit_by,
        )
    else:
        report.summary, report.evaluation, report.status = summary, evaluation, ReportStatus.SUBMITTED
        report.submitted_at = now
        report.version += 1
        report.save(update_fields=["summary", "evaluation", "status", "submitted_at", "version"])
    _record_change(task, kind=VisitEventKind.REPORTED, actor=actor, fields=[], late=report.late)
    return report


@transaction.atomic
def visit_report_extension_request(
    *, task: VisitTask, actor: Any, expected_version: int | None, reason: str
) -> VisitReportExtension:
    """ "由于客观原因确实无法提交的,应报部门主管同意后一周内提交": the visitor asks, before the three days pass."""
    task = _lock(task)
    if actor.pk != task.visitor_id:
        raise ForbiddenError(_("Only the visitor asks for more time for their report."))
    _check_version(task, expected_version)
    _visit_made(task)
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=500, required=True)
    deadlines = report_deadlines(task)
    if _report_of(task) is not None:
        errors.add("reason", _("The report was already submitted."))
    elif timezone.localdate() > deadlines.submit_by:
        errors.add("reason", _("The deadline has passed: ask before it does."))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            extension = VisitReportExtension.objects.create(task=task, reason=reason, requested_by=actor)
    except IntegrityError:
        raise ApplicationError(
            _("More time was already asked for this report."), extra={"reason": [_("One request per visit.")]}
        ) from None
    _record_change(task, kind=VisitEventKind.REPORTED, actor=actor, fields=[], note=reason, extension="requested")
    _notify_supervisors(task, code="visits.extension_requested", exclude=[actor])
    return extension


@transaction.atomic
def visit_report_extension_decide(
    *, task: VisitTask, actor: Any, expected_version: int | None, approve: bool
) -> VisitReportExtension:
    """The supervisor consents to the week (or refuses: the three days stand)."""
    task = _lock(task)
    if not _supervises(actor, task.unit) or actor.pk == task.visitor_id:
        raise ForbiddenError(_("Only a supervisor of the visitor's unit decides on more time."))
    _check_version(task, expected_version)
    extension = _extension_of(task)
    if extension is None or extension.status != ExtensionStatus.REQUESTED:
        raise ApplicationError(_("There is no request for more time to decide."))
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at = actor, timezone.now()
    extension.save(update_fields=["status", "decided_by", "decided_at"])
    _record_change(task, kind=VisitEventKind.REVIEWED, actor=actor, fields=[], extension=extension.status)
    return extension


@transaction.atomic
def visit_report_review(
    *, task: VisitTask, actor: Any, expected_version: int | None, approve: bool, comment: str = ""
) -> VisitReport:
    """ "主管领导…进行审查,并提出指导意见": approve, or send back with a comment (the visitor submits again)."""
    task = _lock(task)
    if not _supervises(actor, task.unit) or actor.pk == task.visitor_id:
        raise ForbiddenError(_("Only a supervisor of the visitor's unit reviews the report."))
    _check_version(task, expected_version)
    report = _report_of(task)
    if report is None or report.status != ReportStatus.SUBMITTED:
        raise ApplicationError(_("There is no submitted report to review."))
    errors = FieldErrors()
    comment = check_text(errors, "comment", comment, limit=COMMENT_LIMIT, required=not approve)
    errors.raise_if_any()
    report.status = ReportStatus.APPROVED if approve else ReportStatus.RETURNED
    report.reviewed_by, report.reviewed_at, report.review_comment = actor, timezone.now(), comment
    report.version += 1
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "version"])
    _record_change(task, kind=VisitEventKind.REVIEWED, actor=actor, fields=[], note=comment, report=report.status)
    if not approve and task.visitor is not None:
        from kefu.sla.choices import NoticeKind
        from kefu.sla.inbox import inbox_notify

        inbox_notify(
            recipients=[task.visitor],
            kind=NoticeKind.WORK,
            code="visits.report_returned",
            params={"customer": task.customer.name, "comment": comment, "task": task.pk},
            case=task.case,
            url=f"/visits/{task.pk}/",
        )
    return report


@transaction.atomic
def visit_flag(*, task: VisitTask, actor: Any, expected_version: int | None, kind: str, reason: str) -> VisitFlag:
    """The supervisor flags a visit as falsified (made up or not as recorded) or missed (not made when it
    had to be). Once per visit and kind (database unique); offered to the ledger (module docstring)."""
    task = _lock(task)
    if not _supervises(actor, task.unit) or actor.pk == task.visitor_id:
        raise ForbiddenError(_("Only a supervisor of the visitor's unit flags a visit."))
    _check_version(task, expected_version)
    errors = FieldErrors()
    if kind not in FlagKind.values:
        errors.add("kind", _("Choose “falsified” or “missed”."))
    elif kind == FlagKind.FALSIFIED and task.status != VisitStatus.DONE:
        errors.add("kind", _("Only a visit recorded as made can be falsified."))
    elif kind == FlagKind.MISSED and task.status == VisitStatus.DONE and not task.record.written_late:
        errors.add("kind", _("This visit was recorded on the day it was made: flag it as falsified if it was not."))
    person = task.visitor
    if person is None:
        errors.add("kind", _("Nobody was to make this visit."))
    reason = check_text(errors, "reason", reason, limit=1000, required=True)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            flag = VisitFlag.objects.create(task=task, kind=kind, person=person, reason=reason, flagged_by=actor)
    except IntegrityError:
        raise ApplicationError(
            _("This visit is already flagged so."), extra={"kind": [_("A visit is flagged once per kind.")]}
        ) from None
    _record_change(task, kind=VisitEventKind.FLAGGED, actor=actor, fields=[], note=reason, flag=kind)
    _notify_ledger(task, flag, actor=actor)
    return flag


def _notify_supervisors(task: VisitTask, *, code: str, exclude: list[Any], **params: Any) -> None:
    from kefu.org.choices import Role
    from kefu.org.selectors import role_holders_for
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    people = role_holders_for(
        role=Role.SUPERVISOR, unit=task.unit, exclude={u.pk for u in exclude if u is not None}
    ).people
    inbox_notify(
        recipients=people,
        kind=NoticeKind.WORK,
        code=code,
        params={"customer": task.customer.name, "visitor": str(task.visitor or ""), "task": task.pk, **params},
        case=task.case,
        url="/visits/review/",
    )


def _notify_ledger(task: VisitTask, flag: VisitFlag, *, actor: Any) -> None:
    """Whoever approves ledger entries for the visitor's unit (its managers, by the org chain)."""
    from kefu.org.choices import Role
    from kefu.org.selectors import role_holders_for
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    people = role_holders_for(role=Role.MANAGER, unit=task.unit, exclude={flag.person_id}).people
    inbox_notify(
        recipients=people,
        kind=NoticeKind.INFO,
        code="visits.flagged",
        params={
            "person": str(flag.person),
            "what": flag.get_kind_display(),
            "customer": task.customer.name,
            "reason": flag.reason,
            "task": task.pk,
            "flag": flag.pk,
        },
        case=task.case,
        exclude=[flag.person],
    )


def flags_for_ledger(*, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """The flags raised in [since, until) as plain values, for the appraisal ledger to read (a public
    read: kefu.appraisal may call it; nothing here imports kefu.appraisal)."""
    rows = VisitFlag.objects.filter(created_at__gte=since, created_at__lt=until).select_related("task")
    return [
        {
            "flag": f.pk,
            "kind": f.kind,
            "person_id": f.person_id,
            "task_id": f.task_id,
            "customer_id": f.task.customer_id,
            "case_id": f.task.case_id,
            "reason": f.reason,
            "flagged_by_id": f.flagged_by_id,
            "at": f.created_at,
        }
        for f in rows.order_by("created_at", "pk")
    ]


def visit_reports_late_notify(*, today: date | None = None, batch: int = 500) -> int:
    """One `visits.report_late` notice to the visitor and the unit's supervisors per visit whose report is
    still missing after the deadline in force. Marked by a `VisitReportLate` row in the transaction of
    the notice (one-to-one: once, even when two runs race). Returns the visits told about."""
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    today = today or timezone.localdate()
    told = 0
    last = 0
    while True:
        tasks = list(
            VisitTask.objects.filter(
                pk__gt=last, status=VisitStatus.DONE, report__isnull=True, record__visited_on__lt=today
            )
            .exclude(pk__in=VisitReportLate.objects.values("task_id"))
            .select_related("record", "report_extension", "rulebook_version", "customer", "visitor", "unit", "case")
            .order_by("pk")[:batch]
        )
        if not tasks:
            return told
        last = tasks[-1].pk
        for task in tasks:
            deadlines = report_deadlines(task)
            if deadlines is None or today <= deadlines.submit_by:
                continue
            try:
                with transaction.atomic():
                    VisitReportLate.objects.create(task=task)
                    due = deadlines.submit_by.isoformat()
                    _notify_supervisors(task, code="visits.report_late", exclude=[task.visitor], due=due)
                    inbox_notify(
                        recipients=[task.visitor] if task.visitor is not None else [],
                        kind=NoticeKind.OVERDUE,
                        code="visits.report_late",
                        params={
                            "customer": task.customer.name,
                            "visitor": str(task.visitor or ""),
                            "due": due,
                            "task": task.pk,
                        },
                        case=task.case,
                        url=f"/visits/{task.pk}/",
                    )
            except IntegrityError:  # a parallel run told about it first
                continue
            told += 1
