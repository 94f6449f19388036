"""Daily work reports (篇3: 每位客服人员每日工作报告; D11: daily reports built from the records) and the
supervisor's review."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.appraisal.models import DailyReport
from kefu.appraisal.services.rules import within
from kefu.core.exceptions import ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import TEXT_LONG, TEXT_SHORT, check_text

if TYPE_CHECKING:
    from kefu.org.models import User

__all__ = ("daily_figures", "daily_report_review", "daily_report_submit", "may_review")


def daily_figures(*, person: User, day: date) -> dict[str, Any]:
    """The day's figures from the records: cases received, closed, and steps taken (one query each)."""
    from kefu.cases.models import Case, CaseEvent

    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    cases = Case.objects.aggregate(
        received=Count("pk", filter=Q(receiver=person, received_at__gte=start, received_at__lt=end)),
        closed=Count("pk", filter=Q(owner=person, closed_at__gte=start, closed_at__lt=end)),
    )
    steps = CaseEvent.objects.filter(actor=person, created_at__gte=start, created_at__lt=end).count()
    return {"received": cases["received"], "closed": cases["closed"], "steps": steps}


@transaction.atomic
def daily_report_submit(*, person: User, day: date, text: str) -> DailyReport:
    """Write (or rewrite, until reviewed) one's report of a day; the figures are taken again each time.
    A day in the future is refused."""
    errors = FieldErrors()
    text = check_text(errors, "text", text, limit=TEXT_LONG, required=True)
    if day > timezone.localdate():
        errors.add("day", _("That day has not come yet."))
    errors.raise_if_any(_("The report was not saved."))
    figures = daily_figures(person=person, day=day)
    DailyReport.objects.get_or_create(person=person, day=day, defaults={"text": text, "figures": figures})
    report = DailyReport.objects.select_for_update().get(person=person, day=day)
    if report.reviewed_at is not None:
        raise ConflictError(_("This report was reviewed and can no longer change."))
    report.text, report.figures = text, figures
    report.save(update_fields=["text", "figures", "updated_at"])
    return report


def may_review(actor: User, report: DailyReport) -> bool:
    """Supervisors and managers of the person's unit or a unit above it, the all-seeing roles; never one's own."""
    if actor.pk == report.person_id or not (actor.sees_everything or actor.sees_unit):
        return False
    person_unit = report.person.unit
    return within(actor, person_unit.path if person_unit else "")


@transaction.atomic
def daily_report_review(*, report: DailyReport, actor: User, review: str) -> DailyReport:
    """Review once (a conditional UPDATE … WHERE reviewed_at IS NULL)."""
    report = DailyReport.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=report.pk)
    if not may_review(actor, report):
        raise ForbiddenError(_("You may not review this report."))
    errors = FieldErrors()
    review = check_text(errors, "review", review, limit=TEXT_SHORT)
    errors.raise_if_any(_("The review was not saved."))
    now = timezone.now()
    if not DailyReport.objects.filter(pk=report.pk, reviewed_at__isnull=True).update(
        reviewed_by=actor, reviewed_at=now, review=review, updated_at=now
    ):
        raise ConflictError(_("This report has already been reviewed."))
    report.refresh_from_db()
    return report
