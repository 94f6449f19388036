"""The export file: the customers as an Excel sheet or CSV, masked as the exporter must see them, with
a watermark naming the exporter and the time in the first row, in the sheet's page header and the
workbook's properties (xlsx), and in the file name — so a printed page, a copied sheet and a file
found on a share all say who took it out (seed-002 Doc 2: leakage is traced to the department)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.customers.masking import mask_id_number, mask_phone
from kefu.customers.models import Customer

__all__ = ("ExportFile", "customer_file", "watermark_text")


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    content: bytes
    content_type: str
    rows: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def watermark_text(user: Any, at: datetime) -> str:
    return _("Exported by %(name)s (%(username)s) at %(time)s — internal use only") % {
        "name": str(user),
        "username": user.get_username(),
        "time": f"{timezone.localtime(at):%Y-%m-%d %H:%M:%S}",
    }


def _file_name(user: Any, at: datetime, ext: str) -> str:
    username = re.sub(r"[^\w.@+-]", "_", user.get_username())
    return f"customers-{username}-{timezone.localtime(at):%Y%m%d-%H%M%S}.{ext}"


def _headers() -> list[str]:
    return [
        _("Customer number"),
        _("Name"),
        _("Customer type"),
        _("Grade"),
        _("Region"),
        _("ID number"),
        _("Contacts"),
        _("Addresses"),
        _("Active"),
    ]


def _rows(customers: Iterable[Customer], *, masked: bool) -> Iterable[list[Any]]:
    for c in customers:
        phone = mask_phone if masked else (lambda p: p)
        contacts = "; ".join(f"{x.name} {phone(x.phone)}" for x in c.contacts.all())
        addresses = "; ".join(str(a) for a in c.addresses.all())
        yield [
            c.code,
            c.name,
            c.get_customer_type_display(),
            c.get_grade_display(),
            c.get_region_display(),
            mask_id_number(c.id_number) if masked and c.id_number else c.id_number,
            contacts,
            addresses,
            _("yes") if c.is_active else _("no"),
        ]


def _safe(value: Any) -> Any:
    # A cell starting with = + - @ would be run as a formula by a spreadsheet (CSV/formula injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def customer_file(*, customers: Iterable[Customer], user: Any, file_format: str, masked: bool) -> ExportFile:
    """Write `customers` (with contacts and addresses prefetched) for `user`."""
    at = timezone.now()
    mark = watermark_text(user, at)
    rows = 0
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([mark])
        writer.writerow(_headers())
        for row in _rows(customers, masked=masked):
            writer.writerow([_safe(v) for v in row])
            rows += 1
        # With a BOM, so that Excel opens the Chinese text as UTF-8.
        content = buffer.getvalue().encode("utf-8-sig")
        return ExportFile(_file_name(user, at, "csv"), content, "text/csv; charset=utf-8", rows)

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Customers")[:31]
    sheet.append([mark])
    sheet["A1"].font = Font(bold=True, color="C00000")
    sheet.append(_headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    for row in _rows(customers, masked=masked):
        sheet.append([_safe(v) for v in row])
        rows += 1
    # Printed pages carry the watermark too; the workbook's properties name the exporter.
    sheet.oddHeader.center.text = mark
    sheet.evenHeader.center.text = mark
    book.properties.creator = user.get_username()
    book.properties.title = _("Customer list")
    book.properties.description = mark
    book.properties.keywords = mark
    out = io.BytesIO()
    book.save(out)
    return ExportFile(
        _file_name(user, at, "xlsx"),
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        rows,
    )
