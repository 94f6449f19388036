"""Importing customer files from Excel (.xlsx) or CSV: check everything first, then all or nothing.

    report = import_check(file_name="客户.csv", data=raw_bytes)      # the dry run: nothing written
    for problem in report.problems: print(problem)                 # "line 7, column 电话: ..."
    result = import_commit(file_name="客户.csv", data=raw_bytes, actor=user)   # refused while bad

Every cell of every row is checked before anything is written, and every problem is reported with
its line (as the spreadsheet numbers it: the header is line 1) and the column's heading: a missing
name or phone, a phone that is not one, an unknown grade, type or region, a text longer than its
field, a row that repeats an earlier row's phone or ID number, and a customer that already has that
phone or ID number. The import itself creates every customer in one transaction through the public
`customer_create` (so the rules are the intake form's) and refuses the whole file while any row is
bad.

CSV comes as Excel saves it: UTF-8 with or without a byte-order mark, or GB18030 (the superset of
GBK that Chinese Excel writes). A file is at most MAX_FILE_BYTES and MAX_ROWS data rows.

The batch record (who, when, the file's name and sha256, the counts, which customers it created)
belongs to the exports app, above this one: it registers a recorder (`register_import_recorder`),
called inside the import's transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.exceptions import ApplicationError
from kefu.core.inputs import bad_text
from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.customers.models import Address, Contact, Customer
from kefu.customers.services import customer_create
from kefu.customers.validators import normalize_phone, validate_phone

__all__ = (
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ImportProblem",
    "ImportRefused",
    "ImportReport",
    "ImportResult",
    "import_check",
    "import_commit",
    "register_import_recorder",
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Bounds on what is read at all, so that a small file that unpacks to a huge sheet (or a CSV of empty
# lines) costs no more than a big honest one: columns per row, and lines including blank ones.
MAX_COLUMNS = 100
MAX_LINES = 4 * MAX_ROWS


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # the heading written in a template (translated)
    aliases: tuple[str, ...]  # other headings accepted, in either language
    max_length: int
    required: bool = False


def _length(model: type, name: str) -> int:
    return model._meta.get_field(name).max_length


# The columns a file may have, in template order. Headings are matched without spaces and case.
COLUMNS: tuple[Column, ...] = (
    Column("name", gettext_lazy("Name"), ("name", "客户名称", "名称", "姓名"), _length(Customer, "name"), True),
    Column("phone", gettext_lazy("Phone"), ("phone", "电话", "手机", "联系电话"), _length(Contact, "phone"), True),
    Column("contact_name", gettext_lazy("Contact"), ("contact", "contact_name", "联系人"), _length(Contact, "name")),
    Column(
        "customer_type",
        gettext_lazy("Customer type"),
        ("type", "customer_type", "客户类型", "类型"),
        _length(Customer, "customer_type"),
    ),
    Column("grade", gettext_lazy("Grade"), ("grade", "等级", "客户等级"), 20),
    Column("region", gettext_lazy("Region"), ("region", "地区", "区域"), 20),
    Column(
        "id_number", gettext_lazy("ID number"), ("id_number", "证件号码", "身份证号"), _length(Customer, "id_number")
    ),
    Column("address", gettext_lazy("Address"), ("address", "地址"), _length(Address, "line")),
)

_recorder: Callable[..., Any] | None = None


def register_import_recorder(recorder: Callable[..., Any]) -> None:
    """`recorder(actor=, file_name=, sha256=, rows=, customers=[(line, Customer)])` records a batch;
    called inside the import's transaction (kefu.exports registers it)."""
    global _recorder
    _recorder = recorder


@dataclass(frozen=True)
class ImportProblem:
    line: int  # 0: the file as a whole
    column: str  # the heading as written in the file ("" for a problem of the file or row)
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        if not self.column:
            return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return _("line %(line)s, column %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """The dry run's answer: the rows that would be created and every problem found."""

    file_name: str
    sha256: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line, cleaned values)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems

    @property
    def bad_lines(self) -> int:
        return len({p.line for p in self.problems if p.line})


@dataclass(frozen=True)
class ImportResult:
    report: ImportReport
    customers: list[Customer]
    batch: Any  # what the recorder returned (an ImportBatch), or None


class ImportRefused(ApplicationError):
    """The file has problems: nothing was imported. `report.problems` says where."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        errors: dict[str, list[str]] = {"file": [str(p) for p in report.problems]}
        super().__init__(
            _("The file has %(count)s problem(s); nothing was imported.") % {"count": len(report.problems)},
            extra=errors,
        )


# -- reading ---------------------------------------------------------------------------------------


def _decode_csv(data: bytes) -> str:
    # Excel writes UTF-8 with a BOM ("CSV UTF-8") or the system code page (GBK on a Chinese Windows,
    # read as GB18030, its superset). UTF-8 first: a GBK file is almost never valid UTF-8.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValueError(_("The file is neither UTF-8 nor GBK/GB18030 text.")) from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell: 13812345678.0
    return str(value).strip()


def _read_rows(file_name: str, data: bytes) -> Iterable[list[str]]:
    """The file's rows as lists of strings, header first. Raises ValueError for an unreadable file."""
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile, KeyError, XML errors … for a broken file
            raise ValueError(_("The file is not an Excel workbook (.xlsx) that can be read.")) from exc
        sheet = book.worksheets[0]
        return ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS))
    if lower.endswith(".csv") or lower.endswith(".txt"):
        text = _decode_csv(data)
        return ([_cell_text(v) for v in row] for row in csv.reader(io.StringIO(text)))
    raise ValueError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))


def _heading_key(text: str) -> str:
    return "".join(text.split()).lower()


def _match_headers(header: list[str]) -> tuple[dict[int, Column], list[ImportProblem]]:
    known: dict[str, Column] = {}
    for column in COLUMNS:
        for name in (*column.aliases, str(column.label)):
            known[_heading_key(name)] = column
        with translation.override("zh-hans"):
            known[_heading_key(str(column.label))] = column
        with translation.override("en"):
            known[_heading_key(str(column.label))] = column
    found: dict[int, Column] = {}
    problems: list[ImportProblem] = []
    seen: set[str] = set()
    for index, heading in enumerate(header):
        if not heading:
            continue
        column = known.get(_heading_key(heading))
        if column is None:
            problems.append(ImportProblem(1, heading, _("Unknown column.")))
        elif column.key in seen:
            problems.append(ImportProblem(1, heading, _("This column appears twice.")))
        else:
            seen.add(column.key)
            found[index] = column
    for column in COLUMNS:
        if column.required and column.key not in seen:
            problems.append(
                ImportProblem(1, str(column.label), _("The file has no column “%(c)s”.") % {"c": column.label})
            )
    return found, problems


def _choice_lookup(choices: type) -> dict[str, str]:
    """Accept a choice by its code or its label in Chinese or English ("A", "重点客户", "key account")."""
    out: dict[str, str] = {}
    for value, label in choices.choices:
        out[_heading_key(str(value))] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                out[_heading_key(str(label))] = value
    return out


# -- checking --------------------------------------------------------------------------------------


def import_check(*, file_name: str, data: bytes) -> ImportReport:
    """The dry run: read the file and report every problem by line and column. Writes nothing."""
    report = ImportReport(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    if len(data) > MAX_FILE_BYTES:
        report.problems.append(
            ImportProblem(0, "", _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
        )
        return report
    try:
        rows = iter(_read_rows(file_name, data))
        header = next(rows, None)
    except ValueError as exc:
        report.problems.append(ImportProblem(0, "", str(exc)))
        return report
    except Exception:  # the first row already unreadable (csv.Error, a broken sheet)
        report.problems.append(ImportProblem(0, "", _("The file cannot be read.")))
        return report
    if header is None:
        report.problems.append(ImportProblem(0, "", _("The file is empty.")))
        return report
    columns, problems = _match_headers(header)
    report.problems.extend(problems)
    if problems:
        return report  # the cells cannot be read without their columns
    lookups = {
        "grade": _choice_lookup(CustomerGrade),
        "customer_type": _choice_lookup(CustomerType),
        "region": _choice_lookup(Region),
    }
    headings = {column.key: header[index] for index, column in columns.items()}
    first_phone: dict[str, int] = {}
    first_id: dict[str, int] = {}
    line = 1
    while True:
        try:
            cells = next(rows, None)
        except Exception:  # a broken zip member or XML, a NUL in a CSV, a field over csv's limit …
            report.problems.append(ImportProblem(line + 1, "", _("The file cannot be read from this line on.")))
            break
        if cells is None:
            break
        line += 1
        if line > MAX_LINES:
            report.problems.append(
                ImportProblem(line, "", _("More than %(max)s lines: split the file.") % {"max": MAX_LINES})
            )
            break
        if not any(cells):
            continue  # blank lines between blocks are not rows
        if len(report.rows) >= MAX_ROWS:
            report.problems.append(
                ImportProblem(line, "", _("More than %(max)s rows: split the file.") % {"max": MAX_ROWS})
            )
            break
        values: dict[str, Any] = {}
        row_problems: list[ImportProblem] = []

        def problem(key: str, message: str, line: int = line, row_problems: list = row_problems) -> None:
            row_problems.append(ImportProblem(line, headings.get(key, key), message))

        for index, column in columns.items():
            text = cells[index] if index < len(cells) else ""
            if (why := bad_text(text)) is not None:
                problem(column.key, why)
                continue
            if len(text) > column.max_length:
                problem(
                    column.key,
                    _("At most %(max)s characters (this has %(n)s).") % {"max": column.max_length, "n": len(text)},
                )
                continue
            values[column.key] = text
        for column in COLUMNS:
            if column.required and column.key in values and not values[column.key]:
                problem(column.key, _("Required."))
        for key, lookup in lookups.items():
            text = values.get(key, "")
            if text:
                code = lookup.get(_heading_key(text))
                if code is None:
                    problem(key, _("Unknown value “%(value)s”.") % {"value": text})
                else:
                    values[key] = code
        if values.get("phone"):
            try:
                values["phone"] = validate_phone(values["phone"])
            except ValidationError as exc:
                problem("phone", " ".join(exc.messages))
            else:
                if (earlier := first_phone.setdefault(values["phone"], line)) != line:
                    problem("phone", _("Same phone number as line %(line)s.") % {"line": earlier})
        if values.get("id_number"):
            values["id_number"] = values["id_number"].upper()
            if (earlier := first_id.setdefault(values["id_number"], line)) != line:
                problem("id_number", _("Same ID number as line %(line)s.") % {"line": earlier})
        report.problems.extend(row_problems)
        report.rows.append((line, values))
    if not report.rows and not report.problems:
        report.problems.append(ImportProblem(0, "", _("The file has a header but no rows.")))
    _check_existing(report, first_phone, first_id, headings)
    report.problems.sort(key=lambda p: (p.line, p.column))
    return report


def _check_existing(
    report: ImportReport, phones: dict[str, int], ids: dict[str, int], headings: dict[str, str]
) -> None:
    """Rows whose phone or ID number an existing customer already has (a few IN queries of 500)."""

    def chunks(values: list[str]) -> Iterable[list[str]]:
        for start in range(0, len(values), 500):
            yield values[start : start + 500]

    # Phones are stored normalised; a stored number written with a +86 prefix matches too.
    variants = {}
    for phone in phones:
        variants[phone] = phone
        bare = phone[3:] if phone.startswith("+86") else phone
        variants[bare] = phone
        variants["+86" + bare] = phone
    for chunk in chunks(list(variants)):
        for stored, code, name in Contact.objects.filter(phone__in=chunk).values_list(
            "phone", "customer__code", "customer__name"
        ):
            phone = variants.get(normalize_phone(stored), stored)
            line = phones.get(phone)
            if line is not None:
                report.problems.append(
                    ImportProblem(
                        line,
                        headings.get("phone", "phone"),
                        _("Customer %(code)s (%(name)s) already has this phone number.") % {"code": code, "name": name},
                    )
                )
    for chunk in chunks(list(ids)):
        for id_number, code, name in Customer.objects.filter(id_number__in=chunk).values_list(
            "id_number", "code", "name"
        ):
            report.problems.append(
                ImportProblem(
                    ids[id_number],
                    headings.get("id_number", "id_number"),
                    _("Customer %(code)s (%(name)s) already has this ID number.") % {"code": code, "name": name},
                )
            )


# -- importing -------------------------------------------------------------------------------------


@transaction.atomic
def import_commit(*, file_name: str, data: bytes, actor: Any) -> ImportResult:
    """Check the file again and, if it is clean, create every customer in one transaction and record
    the batch. Raises ImportRefused (nothing written) while any row is bad."""
    report = import_check(file_name=file_name, data=data)
    if not report.clean:
        raise ImportRefused(report)
    created: list[tuple[int, Customer]] = []
    for line, values in report.rows:
        try:
            customer = customer_create(
                name=values["name"],
                phone=values["phone"],
                contact_name=values.get("contact_name", ""),
                customer_type=values.get("customer_type") or CustomerType.INDIVIDUAL,
                grade=values.get("grade") or CustomerGrade.C,
                region=values.get("region") or Region.URBAN,
                address=values.get("address", ""),
                id_number=values.get("id_number", ""),
                actor=actor,
            )
        except ValidationError as exc:  # a rule the dry run does not know: still name the line
            messages = "; ".join(exc.messages)
            report.problems.append(ImportProblem(line, "", messages))
            raise ImportRefused(report) from exc
        created.append((line, customer))
    batch = None
    if _recorder is not None:
        batch = _recorder(
            actor=actor, file_name=file_name, sha256=report.sha256, rows=len(report.rows), customers=created
        )
    return ImportResult(report=report, customers=[c for _line, c in created], batch=batch)
