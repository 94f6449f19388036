"""The monthly statistics as an Excel workbook: a summary sheet and one sheet per breakdown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kefu.reports.selectors import Breakdown, MonthlyReport, Row

__all__ = ("cases_workbook", "monthly_workbook")

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
    # Sheet titles: at most 31 characters, none of []:*?/\ (a rulebook's field label may have them).
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in breakdown.title)[:31]
    sheet = workbook.create_sheet(title=title)
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


def cases_workbook(cases: Iterable[Any], *, field_defs: list[Any], truncated: bool) -> Workbook:
    """The queue as a sheet, one case per row, with the chosen case type's form fields as columns
    (option labels, names; values as people read them). Written in streaming mode: memory stays flat."""
    from kefu.cases.selectors import IdentityRedactor, customer_label, field_display, reference_names

    cases = list(cases)
    names = reference_names(field_defs, [c.fields for c in cases])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Cases")[:31])
    headers = [
        _("Number"),
        _("Case type"),
        _("Title"),
        _("Customer"),
        _("Channel"),
        _("Stage"),
        _("Status"),
        _("Owner"),
        _("Responsible unit"),
        _("Received at"),
        _("Closed at"),
        *(d.label for d in field_defs),
    ]
    sheet.append(headers)
    for case in cases:
        values = case.fields or {}
        # An anonymous complainant stays hidden in exports too (001 篇10 第十九条): name and title redacted.
        redactor = IdentityRedactor.for_case(case, brief=True) if case.is_anonymous else None
        sheet.append(
            [
                case.number,
                case.type_label,
                redactor.text(case.title) if redactor else case.title,
                customer_label(case),
                case.channel_label,
                case.stage_label,
                str(case.get_status_display()),
                str(case.owner),
                case.responsible_unit.name if case.responsible_unit_id else "",
                timezone.localtime(case.received_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(case.closed_at).strftime("%Y-%m-%d %H:%M") if case.closed_at else "",
                *(field_display(d, values.get(d.key), names) for d in field_defs),
            ]
        )
    if truncated:
        sheet.append([])
        sheet.append([_("Only the first rows are exported; narrow the filters to export the rest.")])
    return workbook
