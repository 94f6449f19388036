"""Daily report pages (D11 10–12): the technician's and the unit's day compiled from the records, on
screen and as Excel; submitting stores it; the reviewer approves it or sends it back."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.core.exceptions import ApplicationError
from kefu.org.models import OrgUnit, User
from kefu.workorders.daily import daily_workbook, technician_daily, unit_daily
from kefu.workorders.models import DailyReport
from kefu.workorders.services.daily_reports import daily_report_review, daily_report_submit, may_review
from kefu.workorders.services.lifecycle import supervises

__all__ = ("daily", "daily_xlsx", "report_detail")


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _subject(request: HttpRequest) -> tuple[str, Any, OrgUnit]:
    """(kind, technician or None, unit) the page is about, as far as the reader may see it (else 404):
    a technician their own day; a supervisor the technicians and units of their subtree."""
    user = request.user
    kind = request.GET.get("kind") or ("technician" if user.role == "technician" else "unit")
    if kind == "technician":
        person_id = request.GET.get("person")
        person = user if not person_id or str(user.pk) == person_id else None
        if person is None:
            person = User.objects.filter(pk=person_id if person_id.isdigit() else 0, role="technician").first()
            if person is None or person.unit is None or not supervises(user, person.unit):
                raise Http404
        if person.role != "technician" or person.unit is None:
            raise Http404
        return kind, person, person.unit
    if kind != "unit":
        raise Http404
    unit_id = request.GET.get("unit") or (str(user.unit_id) if user.unit_id else "")
    unit = OrgUnit.objects.filter(pk=unit_id if unit_id.isdigit() else 0).first()
    if unit is None or not supervises(user, unit):
        raise Http404
    return kind, None, unit


def _figures(kind: str, person: Any, unit: OrgUnit, day: date) -> dict[str, Any]:
    return technician_daily(technician=person, day=day) if kind == "technician" else unit_daily(unit=unit, day=day)


def _stored(kind: str, person: Any, unit: OrgUnit, day: date) -> DailyReport | None:
    reports = DailyReport.objects.filter(kind=kind, day=day)
    return (reports.filter(person=person) if kind == "technician" else reports.filter(unit=unit)).first()


@login_required
@require_http_methods(["GET", "POST"])
def daily(request: HttpRequest) -> HttpResponse:
    kind, person, unit = _subject(request)
    day = _day(request)
    if request.method == "POST":
        try:
            daily_report_submit(actor=request.user, kind=kind, day=day, unit=unit)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Submitted; the reviewer sees it in the list of reports."))
        return redirect(request.get_full_path())
    stored = _stored(kind, person, unit, day)
    may_submit = (kind == "technician" and person == request.user) or (
        kind == "unit" and supervises(request.user, unit)
    )
    reports = DailyReport.objects.select_related("unit", "person").order_by("-day", "kind")
    if request.user.role == "technician":
        reports = reports.filter(person=request.user)
    else:
        reports = (
            reports.filter(unit__path__startswith=request.user.unit.path) if request.user.unit_id else reports.none()
        )
    return render(
        request,
        "workorders/daily.html",
        {
            "kind": kind,
            "person": person,
            "unit": unit,
            "day": day,
            "f": _figures(kind, person, unit, day),
            "stored": stored,
            "may_submit": may_submit and (stored is None or stored.status == DailyReport.Status.RETURNED),
            "reports": reports[:30],
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def daily_xlsx(request: HttpRequest) -> HttpResponse:
    kind, person, unit = _subject(request)
    day = _day(request)
    from django.utils import translation

    with translation.override("zh-hans"):  # filed with the accountant and the service department
        content = daily_workbook(kind, _figures(kind, person, unit, day))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="kefu-daily-{kind}-{day.isoformat()}.xlsx"'
    return response


def _report_visible(user: Any, report: DailyReport) -> bool:
    return report.person_id == user.pk or report.submitted_by_id == user.pk or supervises(user, report.unit)


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(DailyReport.objects.select_related("unit", "person", "submitted_by"), pk=pk)
    if not _report_visible(request.user, report):
        raise Http404
    if request.method == "POST":
        try:
            daily_report_review(
                report=report,
                actor=request.user,
                expected_version=int(request.POST.get("version") or 0) or None,
                approve=request.POST.get("decision") == "approve",
                comment=request.POST.get("comment", ""),
            )
        except ApplicationError as exc:
            details = "；".join(str(m) for errors in (exc.extra or {}).values() for m in errors)
            messages.error(request, f"{exc.message} {details}".strip())
        else:
            messages.success(request, _("Review recorded; the author sees it on the report."))
        return redirect("workorders:daily_report", pk=report.pk)
    return render(
        request,
        "workorders/daily_report.html",
        {
            "report": report,
            "kind": report.kind,
            "f": report.figures,
            "may_review": may_review(request.user, report) and report.status == DailyReport.Status.SUBMITTED,
            "events": report.events.select_related("actor"),
        },
    )
