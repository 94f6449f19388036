"""A run's scorecards as an Excel workbook: one row per person (rank, total, every KPI's value and
points), then the unit rollups."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kefu.appraisal.measures import Period
from kefu.appraisal.models import ScoreRun

__all__ = ("run_workbook",)


def run_workbook(run: ScoreRun) -> Workbook:
    cards = list(run.scorecards.select_related("person__unit", "unit").prefetch_related("items").order_by("rank", "pk"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(Period(run.period_kind, run.period_start))
    first = next((c for c in cards if c.person_id), cards[0] if cards else None)
    kpis = [(i.kpi, i.label) for i in first.items.all()] if first else []
    header = [_("Rank"), _("Person"), _("Unit"), _("Score")]
    for _code, label in kpis:
        header += [f"{label}", f"{label} · {_('points')}"]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for card in cards:
        items = {i.kpi: i for i in card.items.all()}
        if card.person_id:
            row = [card.rank, str(card.person), card.person.unit.name if card.person.unit_id else "", float(card.total)]
        else:
            row = ["", "", card.unit.name, float(card.total)]
        for code, _label in kpis:
            item = items.get(code)
            row += [
                float(item.value) if item and item.value is not None else "",
                float(item.points) if item else "",
            ]
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column in ("B", "C"):
        sheet.column_dimensions[column].width = 16
    return workbook
