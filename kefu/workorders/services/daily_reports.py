"""Submitting and reviewing daily reports (seed-004 D11 10–12).

D11 10: the technician's report "送请服务主任核阅存查" — a supervisor of the technician's unit (or above)
reviews it. D11 12: the supervisor's report "应先送请经理核阅签章" — a manager (or a leader above) of the
unit reviews it. A reviewer approves, or sends it back with a comment; a report sent back is compiled
again and re-submitted. One report per technician and day, one per unit and day (constraints).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import check_text
from kefu.org.models import OrgUnit, User
from kefu.workorders.daily import technician_daily, unit_daily
from kefu.workorders.models import DailyReport, DailyReportEvent

__all__ = ("daily_report_review", "daily_report_submit", "may_review")

UNIT_REVIEW_ROLES = frozenset({"manager", "deputy_gm", "general_manager", "administrator"})


def _within(user: User, unit: OrgUnit) -> bool:
    return user.sees_everything or bool(user.unit_id and unit.path.startswith(user.unit.path))


def may_review(user: User, report: DailyReport) -> bool:
    from kefu.workorders.services.lifecycle import supervises

    if not user.is_authenticated or user.pk == report.submitted_by_id:
        return False
    if report.kind == DailyReport.Kind.TECHNICIAN:
        return supervises(user, report.unit)
    return user.is_superuser or (user.role in UNIT_REVIEW_ROLES and _within(user, report.unit))


def _log(report: DailyReport, action: str, actor: User, note: str = "") -> None:
    DailyReportEvent.objects.create(report=report, version=report.version, action=action, actor=actor, note=note)


@transaction.atomic
def daily_report_submit(*, actor: User, kind: str, day: date, unit: OrgUnit | None = None) -> DailyReport:
    """Compile and store the report of `day`: the technician's own (kind "technician") or, by a
    supervisor of `unit`, the unit's (kind "unit"). A report sent back is compiled and submitted again."""
    from kefu.workorders.services.lifecycle import supervises

    if day > timezone.localdate():
        raise ApplicationError(_("A day that has not come yet cannot be reported."), extra={"day": [str(day)]})
    if kind == DailyReport.Kind.TECHNICIAN:
        if actor.role != "technician" or actor.unit is None:
            raise ForbiddenError(_("Only a technician submits a technician's daily report."))
        unit, person = actor.unit, actor
        figures = technician_daily(technician=actor, day=day)
        existing = DailyReport.objects.select_for_update().filter(kind=kind, day=day, person=actor).first()
    elif kind == DailyReport.Kind.UNIT:
        if unit is None or not supervises(actor, unit):
            raise ForbiddenError(_("Only a supervisor of the unit submits its daily report."))
        person = None
        figures = unit_daily(unit=unit, day=day)
        existing = DailyReport.objects.select_for_update().filter(kind=kind, day=day, unit=unit).first()
    else:
        raise ApplicationError(_("Unknown report."), extra={"kind": [kind]})
    now = timezone.now()
    if existing is not None:
        if existing.status != DailyReport.Status.RETURNED:
            raise ConflictError(_("This day's report was submitted already."))
        existing.figures, existing.status, existing.version = (
            figures,
            DailyReport.Status.SUBMITTED,
            existing.version + 1,
        )
        existing.submitted_by, existing.submitted_at = actor, now
        existing.save(update_fields=["figures", "status", "version", "submitted_by", "submitted_at"])
        _log(existing, "resubmitted", actor)
        return existing
    try:
        with transaction.atomic():
            report = DailyReport.objects.create(
                kind=kind, day=day, person=person, unit=unit, figures=figures, submitted_by=actor, submitted_at=now
            )
    except IntegrityError as exc:  # submitted at the same moment from another tab
        raise ConflictError(_("This day's report was submitted already.")) from exc
    _log(report, "submitted", actor)
    return report


@transaction.atomic
def daily_report_review(
    *, report: DailyReport, actor: User, expected_version: int | None, approve: bool, comment: str = ""
) -> DailyReport:
    """Approve the report, or send it back with the comment saying what to correct."""
    report = DailyReport.objects.select_for_update(of=("self",)).select_related("unit").get(pk=report.pk)
    if expected_version is not None and report.version != expected_version:
        raise ConflictError(_("The report was changed meanwhile; reload it."))
    if not may_review(actor, report):
        raise ForbiddenError(_("You may not review this report."))
    if report.status != DailyReport.Status.SUBMITTED:
        raise ApplicationError(_("This report is not waiting for review."))
    errors = FieldErrors()
    comment = check_text(errors, "comment", comment, limit=500, required=not approve)
    errors.raise_if_any()
    report.status = DailyReport.Status.APPROVED if approve else DailyReport.Status.RETURNED
    report.reviewed_by, report.reviewed_at, report.review_comment = actor, timezone.now(), comment
    report.version += 1
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "version"])
    _log(report, "approved" if approve else "returned", actor, comment)
    return report
