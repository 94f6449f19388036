"""A stored report (kefu.appraisal.services.reports) as PDF and as an Excel workbook.

The PDF uses reportlab's built-in CID font STSong-Light (Adobe's Chinese font set, which every PDF
reader has), so Chinese shows without shipping a font file. Charts are printed as tables with the
same figures as the screen's charts.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kefu.appraisal.choices import ReportContent
from kefu.appraisal.models import StoredReport

__all__ = ("FONT", "report_columns", "report_pdf", "report_xlsx", "report_title")

FONT = "STSong-Light"


def report_columns(content: str) -> list[tuple[str, str]]:
    """(key, heading) of each column of a content's table."""
    if content == ReportContent.STATISTICS:
        return [
            ("unit", _("Unit")),
            ("received", _("Received")),
            ("closed", _("Closed")),
            ("clocks", _("Deadlines")),
            ("met", _("Met")),
            ("rate", _("On time (%)")),
            ("breaches", _("Breaches")),
        ]
    if content == ReportContent.SCORECARDS:
        return [
            ("period", _("Period")),
            ("rank", _("Rank")),
            ("person", _("Person")),
            ("unit", _("Unit")),
            ("total", _("Score")),
            ("status", _("Status")),
        ]
    if content == ReportContent.LEDGER:
        return [
            ("kind", _("Kind")),
            ("reason", _("Reason")),
            ("entries", _("Entries")),
            ("approved", _("Approved")),
            ("amount", _("Amount (yuan)")),
            ("points", _("Points")),
        ]
    return [
        ("month", _("Month")),
        ("received", _("Received")),
        ("rate", _("On time (%)")),
        ("breaches", _("Breaches")),
    ]


def report_title(report: StoredReport) -> str:
    return f"{report.label} · {report.unit.name} · {report.period_start:%Y-%m-%d} – {report.period_end:%Y-%m-%d}"


def report_sections(report: StoredReport) -> list[tuple[str, list[tuple[str, str]], list[dict[str, Any]]]]:
    """(title, columns, rows) per part of the report, in the vocabulary's order — not the stored
    dict's: PostgreSQL's jsonb does not keep key order, and the page, the PDF and the workbook agree."""
    return [
        (str(label), report_columns(code), report.data[code])
        for code, label in ReportContent.choices
        if code in report.data
    ]


def report_xlsx(report: StoredReport) -> bytes:
    """One sheet per content, a bold heading row, the figures as numbers where they are numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, columns, rows in report_sections(report):
        sheet = workbook.create_sheet(title[:31])
        sheet.append([report_title(report)])
        sheet.append([heading for _key, heading in columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_number(row.get(key)) for key, _heading in columns])
        sheet.column_dimensions["A"].width = 18
    if not workbook.worksheets:
        workbook.create_sheet(_("Report")).append([report_title(report)])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value) if value else ""
        except ValueError:
            return value
    return "" if value is None else value


def report_pdf(report: StoredReport) -> bytes:
    """A4 portrait: the title, then one table per content (a chart's figures as a table)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title_style = ParagraphStyle("title", fontName=FONT, fontSize=15, leading=20, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    story: list[Any] = [Paragraph(report_title(report), title_style)]
    made = timezone.localtime(report.created_at or timezone.now())
    story.append(Paragraph(_("Generated %(at)s") % {"at": f"{made:%Y-%m-%d %H:%M}"}, body))
    for title, columns, rows in report_sections(report):
        story.append(Paragraph(title, heading))
        if not rows:
            story.append(Paragraph(_("Nothing in this period."), body))
            continue
        table = Table(
            [[h for _k, h in columns]]
            + [[str(r.get(k, "") if r.get(k) is not None else "") for k, _h in columns] for r in rows],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ]
            )
        )
        story += [table, Spacer(1, 4 * mm)]
    out = BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, title=report_title(report), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm
    )
    document.build(story)
    return out.getvalue()
