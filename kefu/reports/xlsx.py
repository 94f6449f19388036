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

from kefu.org.paths import unit_paths
from kefu.reports.selectors import Breakdown, MonthlyReport, Row

__all__ = ("cases_workbook", "monthly_workbook")

# A figure that does not apply (no resolution deadline, nothing judged) is an empty cell, so that the
# column stays numbers a spreadsheet can sum and chart.
NOT_APPLICABLE = None
PERCENT = '0.0"%"'


def _count_headers() -> list[str]:
    return [
        _("Received"),
        _("Closed within the month"),
        _("Closed in time"),
        _("On-time rate (%)"),
        _("Stood"),
        _("Did not stand"),
        _("Stood rate (%)"),
    ]


def _counts(row: Row) -> list[int | float | None]:
    return [
        row.received,
        row.closed,
        row.in_time_display,
        row.in_time_rate,
        row.established,
        row.not_established,
        row.stood_rate,
    ]


def _width(value: Any) -> int:
    # CJK characters take about two columns each.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value if value is not None else ""))


def _write(sheet: Worksheet, headers: list[str], rows: list[list[Any]], percent: tuple[int, ...] = ()) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in percent:  # 1-based columns holding per cent figures
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = PERCENT
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = max(_width(v) for v in [header, *(r[index - 1] for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)


def _breakdown_sheet(workbook: Workbook, breakdown: Breakdown) -> None:
    # Sheet titles: at most 31 characters, none of []:*?/\ (a rulebook's field label may have them).
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in breakdown.title)[:31]
    sheet = workbook.create_sheet(title=title)
    lead = 2 if breakdown.has_group else 1
    headers = ([_("Rulebook")] if breakdown.has_group else []) + [_("Item"), *_count_headers()]
    rows = [([r.group] if breakdown.has_group else []) + [r.label, *_counts(r)] for r in breakdown.rows]
    if breakdown.total is not None:
        rows.append(([""] if breakdown.has_group else []) + [_("Total"), *_counts(breakdown.total)])
    _write(sheet, headers, rows, percent=(lead + 4, lead + 7))
    if breakdown.total is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)


def _case_sheet(workbook: Workbook, cases: list[Any], truncated: bool) -> None:
    """One row per case behind the figures: received or concluded in the month."""
    from kefu.cases.selectors import IdentityRedactor, customer_label

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
        _("Closed in time"),
    ]
    paths = unit_paths(c.responsible_unit for c in cases if c.responsible_unit_id)
    rows = []
    for case in cases:
        # An anonymous complainant stays hidden in exports too (001 篇10 第十九条).
        redactor = IdentityRedactor.for_case(case, brief=True) if case.is_anonymous else None
        in_time = None
        if case.in_time_applicable and case.closed_at:
            in_time = _("yes") if case.closed_in_time else _("no")
        rows.append(
            [
                case.number,
                case.type_label,
                redactor.text(case.title) if redactor else case.title,
                customer_label(case),
                case.channel_label,
                case.stage_label,
                str(case.get_status_display()),
                str(case.owner),
                paths.get(case.responsible_unit_id, ""),
                timezone.localtime(case.received_at).replace(tzinfo=None),
                timezone.localtime(case.closed_at).replace(tzinfo=None) if case.closed_at else None,
                in_time,
            ]
        )
    _write(sheet, headers, rows)
    for column in ("J", "K"):
        sheet.column_dimensions[column].width = 18
        for (cell,) in sheet.iter_rows(
            min_row=2, min_col=10 if column == "J" else 11, max_col=10 if column == "J" else 11
        ):
            cell.number_format = "yyyy-mm-dd hh:mm"
    if truncated:
        sheet.append([])
        sheet.append([_("Only the first rows are exported; narrow the filters to export the rest.")])


def monthly_workbook(report: MonthlyReport, cases: list[Any] | None = None, truncated: bool = False) -> Workbook:
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    total = report.total
    _write(
        summary,
        [_("Item"), _("Value")],
        [
            [_("Month"), str(report.month)],
            # Figures from the rollup are as of its last refresh; the case sheet is read at download.
            [
                _("Counted at"),
                f"{timezone.localtime(report.counted_at):%Y-%m-%d %H:%M}"
                if report.counted_at
                else _("Live, when downloaded"),
            ],
            [_("Received"), total.received],
            [_("Closed within the month"), total.closed],
            [_("Closed in time"), total.in_time_display],
            [_("Closed cases with a time limit"), total.in_time_applicable],
            [_("On-time rate (%)"), total.in_time_rate],
            [_("Stood"), total.established],
            [_("Did not stand"), total.not_established],
            [_("Stood rate (%)"), total.stood_rate],
        ],
    )
    for breakdown in report.breakdowns:
        _breakdown_sheet(workbook, breakdown)
    if cases is not None:
        _case_sheet(workbook, cases, truncated)
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
