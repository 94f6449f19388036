"""The monthly statistics as an Excel workbook: a summary sheet and one sheet per breakdown."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kefu.reports.selectors import Breakdown, MonthlyReport, Row

__all__ = ("monthly_workbook",)

NOT_APPLICABLE = "—"


def _count_headers() -> list[str]:
    return [_("Received"), _("Closed within the month"), _("Closed in time"), _("Stood"), _("Did not stand")]


def _counts(row: Row) -> list[int | str]:
    in_time = row.in_time_display
    return [
        row.received,
        row.closed,
        NOT_APPLICABLE if in_time is None else in_time,
        row.established,
        row.not_established,
    ]


def _write(sheet: Worksheet, headers: list[str], rows: list[list[int | str]]) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    # Width from the longest value; CJK characters take about two columns each.
    for index, header in enumerate(headers, start=1):
        values = [header, *(str(r[index - 1]) for r in rows)]
        width = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in v) for v in values)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)


def _breakdown_sheet(workbook: Workbook, breakdown: Breakdown) -> None:
    # Sheet titles are limited to 31 characters by Excel.
    sheet = workbook.create_sheet(title=breakdown.title[:31])
    headers = ([_("Rulebook")] if breakdown.has_group else []) + [_("Item"), *_count_headers()]
    rows = [([r.group] if breakdown.has_group else []) + [r.label, *_counts(r)] for r in breakdown.rows]
    _write(sheet, headers, rows)


def monthly_workbook(report: MonthlyReport) -> Workbook:
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    total = report.total
    in_time = total.in_time_display
    _write(
        summary,
        [_("Item"), _("Value")],
        [
            [_("Month"), str(report.month)],
            [_("Received"), total.received],
            [_("Closed within the month"), total.closed],
            [_("Closed in time"), NOT_APPLICABLE if in_time is None else in_time],
            [_("Closed cases with a time limit"), total.in_time_applicable],
            [_("Stood"), total.established],
            [_("Did not stand"), total.not_established],
        ],
    )
    for breakdown in report.breakdowns:
        _breakdown_sheet(workbook, breakdown)
    return workbook
