"""Writes of return visits: schedule, record, reschedule ("not reachable" / "call me later"), cancel,
and the call-back after a closed case (seed-002 Doc 1; seed-004 D6 四.2).

Every change locks the task (`SELECT … FOR UPDATE`), checks the version the client read (409 when it
moved), bumps it and writes a `VisitEvent` in the same transaction. An unsatisfied answer opens a
follow-up case through the case engine's public `case_register`, linked to the original as its parent.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import TEXT_LONG, TEXT_SHORT, check_text
from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES
from kefu.visits.choices import (
    PENDING,
    QuestionType,
    RescheduleReason,
    VisitEventKind,
    VisitMethod,
    VisitPurpose,
    VisitStatus,
)
from kefu.visits.models import VisitEvent, VisitRecord, VisitTask
from kefu.visits.rules import VisitsSection

__all__ = (
    "in_sample",
    "may_work_on",
    "visit_call_back_for_case",
    "visit_call_back_for_order",
    "visit_overdue_notify",
    "visit_cancel",
    "visit_record",
    "visit_reschedule",
    "visit_schedule",
    "visits_section",
)


# "Call me later" reaches at most this far ahead.
MAX_CALL_LATER = timedelta(days=90)


def visits_section(version: Any = None) -> VisitsSection | None:
    """The `visits` section of `version` (a RulebookVersion), else of the default rulebook; None without one."""
    version = version or default_version()
    return version.doc.section("visits") if version is not None else None


def in_sample(number: str, percent: float, *, salt: str = "") -> bool:
    """Deterministic sampling: the same case number is in or out on every run (SHA-256 of the number)."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{salt}{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < round(percent * 100)


def default_version() -> Any:
    """The default rulebook's active version (None when none is loaded)."""
    from kefu.rulebooks.selectors import rulebook_for_new_case

    try:
        return rulebook_for_new_case()
    except ApplicationError:
        return None


def _supervises(user: Any, unit: Any) -> bool:
    if user.is_superuser or user.role in ALL_SEEING_ROLES:
        return True
    return bool(
        user.role in UNIT_SEEING_ROLES and unit is not None and user.unit_id and unit.path.startswith(user.unit.path)
    )


def may_work_on(user: Any, task: VisitTask) -> bool:
    """The visitor, or a supervisor of the task's unit."""
    if not user.is_authenticated or not user.is_active:
        return False
    return task.visitor_id == user.pk or _supervises(user, task.unit)


def _lock(task: VisitTask) -> VisitTask:
    return (
        VisitTask.objects.select_for_update(of=("self",))
        .select_related("unit", "customer", "rulebook_version__rulebook", "case")
        .get(pk=task.pk)
    )


def _check_version(task: VisitTask, expected_version: int | None) -> None:
    """After the permission check: a stranger learns nothing from a 409."""
    if expected_version is not None and task.version != expected_version:
        raise ConflictError(
            _("This visit was changed by someone else (version %(now)s, you had %(had)s). Reload it.")
            % {"now": task.version, "had": expected_version}
        )


def _record_change(task: VisitTask, *, kind: str, actor: Any, fields: list[str], note: str = "", **data: Any) -> None:
    task.version += 1
    task.save(update_fields=[*fields, "version", "updated_at"])
    VisitEvent.objects.create(task=task, kind=kind, actor=actor, task_version=task.version, note=note[:500], data=data)


def _require_pending(task: VisitTask) -> None:
    if task.status not in PENDING:
        raise ApplicationError(
            _("This visit is already %(status)s.") % {"status": task.get_status_display()},
            extra={"status": [_("Only an open visit can be changed.")]},
        )


# --------------------------------------------------------------------------------------------------
# Scheduling


@transaction.atomic
def visit_schedule(
    *,
    actor: Any,
    customer: Any,
    visitor: Any,
    due_date: date,
    purpose: str,
    method: str = VisitMethod.PHONE,
    case: Any = None,
    questionnaire: str = "",
    note: str = "",
) -> VisitTask:
    """A visit planned by hand (《客户回访计划》 line): by the visitor themselves or a supervisor of their unit."""
    errors = FieldErrors()
    if purpose not in VisitPurpose.values:
        errors.add("purpose", _("Unknown purpose."))
    if method not in VisitMethod.values:
        errors.add("method", _("Unknown method."))
    if visitor is None or not visitor.is_active:
        errors.add("visitor", _("Choose an active member of staff."))
    if due_date < timezone.localdate():
        errors.add("due_date", _("The due date is in the past."))
    note = check_text(errors, "note", note, limit=500)
    version = default_version()
    section = visits_section(version) if version is not None else None
    if questionnaire and (section is None or section.questionnaire(questionnaire) is None):
        errors.add("questionnaire", _("The rulebook has no questionnaire '%(code)s'.") % {"code": questionnaire})
    errors.raise_if_any()
    if actor.pk != visitor.pk and not _supervises(actor, visitor.unit):
        raise ForbiddenError(_("Only a supervisor of the visitor's unit may plan visits for them."))
    try:
        with transaction.atomic():
            task = VisitTask.objects.create(
                customer=customer,
                case=case,
                purpose=purpose,
                method=method,
                visitor=visitor,
                unit=visitor.unit,
                due_date=due_date,
                rulebook_version=version,
                questionnaire_code=questionnaire,
                on_site_signature=method == VisitMethod.ON_SITE,
                note=note,
            )
    except IntegrityError:
        raise ApplicationError(
            _("This case already has its call-back."), extra={"case": [_("Open the existing visit.")]}
        ) from None
    VisitEvent.objects.create(task=task, kind=VisitEventKind.SCHEDULED, actor=actor, task_version=1, note=note)
    return task


@transaction.atomic
def visit_call_back_for_case(*, case_id: int) -> VisitTask | None:
    """The call-back after a closed case, as the case's pinned rulebook says (subscriber of case close).

    Exactly once per case: an existing call-back (a second close, a rerun) is returned unchanged, and
    the database's unique (case) constraint settles a race. A case outside the sample, or under a
    rulebook without `visits.call_back` (or not of its case types), gets none.
    """
    from kefu.cases.models import Case

    existing = VisitTask.objects.filter(case_id=case_id, purpose=VisitPurpose.CALL_BACK).first()
    if existing is not None:
        return existing
    case = Case.objects.select_related("rulebook_version", "owner", "customer").get(pk=case_id)
    section = visits_section(case.rulebook_version)
    rule = section.call_back if section is not None else None
    if rule is None or (rule.case_types and case.case_type not in rule.case_types):
        return None
    if not in_sample(case.number, rule.sample_percent):
        return None
    on_site = in_sample(case.number, rule.on_site_percent, salt="on_site:")
    visitor = case.owner if case.owner is not None and case.owner.is_active else None
    closed_on = timezone.localdate(case.closed_at) if case.closed_at else timezone.localdate()
    try:
        with transaction.atomic():
            task = VisitTask.objects.create(
                customer=case.customer,
                case=case,
                purpose=VisitPurpose.CALL_BACK,
                method=VisitMethod.ON_SITE if on_site else VisitMethod.PHONE,
                visitor=visitor,
                unit=visitor.unit if visitor is not None else case.receiving_unit,
                due_date=closed_on + timedelta(days=rule.due_days),
                rulebook_version=case.rulebook_version,
                questionnaire_code=rule.questionnaire,
                on_site_signature=on_site,
            )
    except IntegrityError:  # a parallel delivery made it first
        return VisitTask.objects.get(case_id=case_id, purpose=VisitPurpose.CALL_BACK)
    VisitEvent.objects.create(
        task=task, kind=VisitEventKind.SCHEDULED, actor=None, task_version=1, data={"case": case.number}
    )
    return task


@transaction.atomic
def visit_call_back_for_order(*, event: Any) -> VisitTask | None:
    """The call-back after a finished work order (`kefu.workorders.events.OrderFinished`), as the order's
    rulebook version's `visits.work_orders` says: the same sampling as after a case (by the order
    number). The visitor is the case's owner when the order came from a case, else whoever registered
    the order (首问负责) — never the technician, whose work is being checked. One per order (unique)."""
    from kefu.cases.models import Case
    from kefu.customers.models import Customer
    from kefu.rulebooks.models import RulebookVersion

    existing = VisitTask.objects.filter(work_order_id=event.order_id).first()
    if existing is not None:
        return existing
    version = RulebookVersion.objects.select_related("rulebook").get(pk=event.rulebook_version_id)
    section = visits_section(version)
    rule = section.work_orders if section is not None else None
    if rule is None or (rule.kinds and event.kind not in rule.kinds):
        return None
    if not in_sample(event.number, rule.sample_percent):
        return None
    on_site = in_sample(event.number, rule.on_site_percent, salt="on_site:")
    case = Case.objects.select_related("owner").filter(pk=event.case_id).first() if event.case_id else None
    from kefu.org.models import OrgUnit, User

    visitor = case.owner if case is not None and case.owner is not None else None
    if visitor is None and event.created_by_id:
        visitor = User.objects.filter(pk=event.created_by_id).first()
    if visitor is not None and (not visitor.is_active or visitor.pk == event.technician_id):
        visitor = None
    unit = visitor.unit if visitor is not None and visitor.unit_id else OrgUnit.objects.get(pk=event.unit_id)
    try:
        with transaction.atomic():
            task = VisitTask.objects.create(
                customer=Customer.objects.get(pk=event.customer_id),
                # The case's own call-back (after it closes) is a different visit: this one is the order's.
                case=None,
                work_order_id=event.order_id,
                work_order_number=event.number,
                purpose=VisitPurpose.CALL_BACK,
                method=VisitMethod.ON_SITE if on_site else VisitMethod.PHONE,
                visitor=visitor,
                unit=unit,
                due_date=timezone.localdate(event.completed_at) + timedelta(days=rule.due_days),
                rulebook_version=version,
                questionnaire_code=rule.questionnaire,
                on_site_signature=on_site,
            )
    except IntegrityError:  # a parallel delivery made it first
        return VisitTask.objects.get(work_order_id=event.order_id)
    VisitEvent.objects.create(
        task=task, kind=VisitEventKind.SCHEDULED, actor=None, task_version=1, data={"work_order": event.number}
    )
    return task


# --------------------------------------------------------------------------------------------------
# Answers


def check_answers(questionnaire: dict[str, Any], answers: Any, errors: FieldErrors) -> tuple[dict[str, Any], list[str]]:
    """The answers in their stored form, and the codes of the questions answered unsatisfied."""
    questions = questionnaire.get("questions", [])
    if not isinstance(answers, dict):
        errors.add("answers", _("Answers are a mapping of question code to answer."))
        return {}, []
    known = {q["code"] for q in questions}
    for code in answers:
        if code not in known:
            errors.add(f"answers.{code}", _("There is no such question."))
    clean: dict[str, Any] = {}
    unsatisfied: list[str] = []
    for q in questions:
        code, kind, value = q["code"], q["type"], answers.get(q["code"])
        field = f"answers.{code}"
        if value is None or value == "":
            if q.get("required", True):
                errors.add(field, _("Answer this question."))
            continue
        if kind == QuestionType.YES_NO:
            if value not in ("yes", "no"):
                errors.add(field, _('Answer "yes" or "no".'))
                continue
        elif kind == QuestionType.SCORE:
            if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
                errors.add(field, _("A score is a whole number from 1 to 10."))
                continue
            value = int(value)
            if not 1 <= value <= 10:
                errors.add(field, _("A score is a whole number from 1 to 10."))
                continue
        elif kind == QuestionType.CHOICE:
            if value not in q.get("options", []):
                errors.add(field, _("Choose one of the options."))
                continue
        else:
            value = check_text(errors, field, value, limit=TEXT_SHORT)
        clean[code] = value
        if kind == QuestionType.SCORE:
            if value < q.get("unsatisfied_below", 0):
                unsatisfied.append(code)
        elif value in q.get("unsatisfied", []):
            unsatisfied.append(code)
    return clean, unsatisfied


def _follow_up_case(*, task: VisitTask, actor: Any, record: VisitRecord) -> Any:
    """Open the follow-up case the rulebook names for an unsatisfied answer (None when it names none)."""
    from kefu.cases.services import case_register

    section = task.section
    source = (section.work_orders if task.work_order_id else section.call_back) if section is not None else None
    rule = source.follow_up if source is not None else None
    if rule is None:
        return None
    questions = {q["code"]: q for q in task.questionnaire.get("questions", [])}
    lines = [f"{questions[c]['text']} {record.answers[c]}" for c in record.unsatisfied_items if c in questions]
    if record.summary:
        lines.append(record.summary)
    title = task.questionnaire.get("title", "") or task.get_purpose_display()
    if task.case_id:
        title = f"{title} {task.case.number}"
    elif task.work_order_number:
        title = f"{title} {task.work_order_number}"
    case, _created = case_register(
        actor=actor,
        case_type=rule.case_type,
        customer=task.customer,
        channel=rule.channel,
        category=rule.category,
        title=title[:200],
        description="\n".join(lines)[:TEXT_LONG] or title,
        parent=task.case,
        rulebook_key=task.rulebook_version.rulebook.key if task.rulebook_version_id else None,
    )
    return case


@transaction.atomic
def visit_record(
    *,
    task: VisitTask,
    actor: Any,
    expected_version: int | None,
    answers: dict[str, Any],
    summary: str = "",
    customer_signed: bool = False,
    visited_on: date | None = None,
) -> VisitRecord:
    """The record of a visit made (日清日结: written the day of the visit, or within the rulebook's
    `deadlines.record_days`). An unsatisfied answer opens the follow-up case, once."""
    task = _lock(task)
    if not may_work_on(actor, task):
        raise ForbiddenError(_("Only the visitor or a supervisor of their unit may record this visit."))
    _check_version(task, expected_version)
    _require_pending(task)
    today = timezone.localdate()
    visited_on = visited_on or today
    section = task.section
    record_days = section.deadlines.record_days if section is not None else 0
    errors = FieldErrors()
    if visited_on > today:
        errors.add("visited_on", _("A visit cannot be recorded before it happens."))
    elif (today - visited_on).days > record_days:
        errors.add(
            "visited_on",
            _("The record must be written within %(days)s day(s) of the visit (the rulebook's same-day rule).")
            % {"days": record_days},
        )
    summary = check_text(errors, "summary", summary, limit=TEXT_LONG)
    clean, unsatisfied = check_answers(task.questionnaire, answers, errors)
    if task.on_site_signature and not customer_signed:
        errors.add("customer_signed", _("An on-site visit is recorded with the customer's signature."))
    errors.raise_if_any()
    record = VisitRecord.objects.create(
        task=task,
        visitor=actor,
        visited_on=visited_on,
        answers=clean,
        summary=summary,
        customer_signed=bool(customer_signed),
        written_late=visited_on < today,
        unsatisfied=bool(unsatisfied),
        unsatisfied_items=unsatisfied,
    )
    data: dict[str, Any] = {"unsatisfied": unsatisfied}
    if unsatisfied:
        follow_up = _follow_up_case(task=task, actor=actor, record=record)
        if follow_up is not None:
            record.follow_up_case = follow_up
            record.save(update_fields=["follow_up_case"])
            data["follow_up"] = follow_up.number
    task.status = VisitStatus.DONE
    task.next_attempt_at = None
    _record_change(task, kind=VisitEventKind.RECORDED, actor=actor, fields=["status", "next_attempt_at"], **data)
    return record


# --------------------------------------------------------------------------------------------------
# Not reachable, call me later, cancel


@transaction.atomic
def visit_reschedule(
    *,
    task: VisitTask,
    actor: Any,
    expected_version: int | None,
    reason: str,
    try_again_at: datetime | None = None,
    note: str = "",
) -> VisitTask:
    """One attempt that did not reach the customer ("not reachable") or that the customer put off
    ("call me later"). The rulebook's `attempts.limit`-th attempt closes the task as not reachable."""
    task = _lock(task)
    if not may_work_on(actor, task):
        raise ForbiddenError(_("Only the visitor or a supervisor of their unit may reschedule this visit."))
    _check_version(task, expected_version)
    _require_pending(task)
    errors = FieldErrors()
    if reason not in RescheduleReason.values:
        errors.add("reason", _("Choose “not reachable” or “call me later”."))
    note = check_text(errors, "note", note, limit=500)
    now = timezone.now()
    if try_again_at is not None and try_again_at <= now:
        errors.add("try_again_at", _("Choose a time in the future."))
    elif try_again_at is not None and try_again_at > now + MAX_CALL_LATER:
        errors.add("try_again_at", _("At most 90 days ahead: for later than that, plan a new visit."))
    errors.raise_if_any()
    section = task.section
    attempts = section.attempts if section is not None else None
    limit = attempts.limit if attempts is not None else 3
    task.attempts += 1
    if task.attempts >= limit:
        task.status = VisitStatus.UNREACHABLE
        task.next_attempt_at = None
        kind = VisitEventKind.UNREACHABLE
    else:
        task.status = VisitStatus.RESCHEDULED
        task.next_attempt_at = try_again_at or now + timedelta(hours=attempts.retry_after_hours if attempts else 4)
        task.due_date = max(task.due_date, timezone.localdate(task.next_attempt_at))
        kind = VisitEventKind.RESCHEDULED
    _record_change(
        task,
        kind=kind,
        actor=actor,
        fields=["status", "attempts", "next_attempt_at", "due_date"],
        note=note,
        reason=reason,
        attempt=task.attempts,
        limit=limit,
    )
    return task


@transaction.atomic
def visit_cancel(*, task: VisitTask, actor: Any, expected_version: int | None, reason: str) -> VisitTask:
    """Cancel a visit that is no longer to be made (the customer left, a duplicate…), with a reason."""
    task = _lock(task)
    if not _supervises(actor, task.unit) and not (
        task.visitor_id == actor.pk and task.purpose != VisitPurpose.CALL_BACK
    ):
        # A call-back is a duty after every (sampled) case: only a supervisor may call it off.
        raise ForbiddenError(_("Only a supervisor of the unit may cancel this visit."))
    _check_version(task, expected_version)
    _require_pending(task)
    errors = FieldErrors()
    reason = check_text(errors, "reason", reason, limit=500, required=True)
    errors.raise_if_any()
    task.status = VisitStatus.CANCELLED
    task.cancel_reason = reason
    task.next_attempt_at = None
    _record_change(
        task,
        kind=VisitEventKind.CANCELLED,
        actor=actor,
        fields=["status", "cancel_reason", "next_attempt_at"],
        note=reason,
    )
    return task


# --------------------------------------------------------------------------------------------------
# Overdue visits


def visit_overdue_notify(*, today: date | None = None, batch: int = 500) -> int:
    """Put one inbox notice per overdue visit (pending, due before today, not yet told) in its visitor's
    inbox. Each batch locks its tasks (`SKIP LOCKED`: two runs split the work) and marks them in the
    transaction of the notices, so a visit is told about once. Returns the notices sent."""
    from kefu.sla.choices import NoticeKind
    from kefu.sla.inbox import inbox_notify

    today = today or timezone.localdate()
    sent = 0
    while True:
        with transaction.atomic():
            tasks = list(
                VisitTask.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=PENDING, due_date__lt=today, overdue_notified_at__isnull=True, visitor__isnull=False)
                .select_related("visitor", "customer")
                .order_by("due_date", "pk")[:batch]
            )
            if not tasks:
                return sent
            for task in tasks:
                sent += len(
                    inbox_notify(
                        recipients=[task.visitor],
                        kind=NoticeKind.OVERDUE,
                        code="visits.overdue",
                        params={"customer": task.customer.name, "due": task.due_date.isoformat(), "task": task.pk},
                        case=task.case,
                    )
                )
            VisitTask.objects.filter(pk__in=[t.pk for t in tasks]).update(overdue_notified_at=timezone.now())
