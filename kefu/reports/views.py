"""The monthly statistics page and its Excel export. Both show only the cases the user may see."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.reports.selectors import Month, MonthlyReport, month_cases, monthly_report

__all__ = ("monthly", "monthly_xlsx")


def _month(request: HttpRequest) -> tuple[Month, bool]:
    return Month.parse(request.GET.get("month"), default=Month.last())


@login_required
def monthly(request: HttpRequest) -> HttpResponse:
    month, ok = _month(request)
    if not ok:
        messages.warning(request, _("Unknown month; showing last month instead."))
    report: MonthlyReport = monthly_report(user=request.user, month=month)
    return render(
        request, "reports/monthly.html", {"report": report, "month": month, "chart_data": _chart_data(report)}
    )


def _chart_data(report: MonthlyReport) -> dict:
    """What the page's charts draw (kefu/reports/static/reports/monthly.js reads it from json_script)."""

    def series(code: str) -> list[dict]:
        rows = report.breakdown(code).rows
        return [
            {"label": f"{r.label}" + (f" · {r.group}" if r.group else ""), "received": r.received, "closed": r.closed}
            for r in rows
        ]

    return {
        "labels": {"received": _("Received"), "closed": _("Closed within the month")},
        "titles": {"type": _("By case type"), "channel": _("By channel"), "unit": _("By responsible unit")},
        "type": series("case_type"),
        "channel": series("channel"),
        "unit": series("unit"),
    }


@login_required
def monthly_xlsx(request: HttpRequest) -> HttpResponse:
    from kefu.reports.xlsx import monthly_workbook  # openpyxl only in the worker that makes a workbook

    month, _ok = _month(request)
    # The statistics table (客诉案件统计表) is filed with the departments, so it is always in Chinese,
    # whatever language the person downloading it reads the site in (labels included).
    with translation.override("zh-hans"):
        report = monthly_report(user=request.user, month=month)
        cases, truncated = month_cases(user=request.user, month=month)
        workbook = monthly_workbook(report, cases, truncated)
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="kefu-monthly-{month}.xlsx"'
    return response
