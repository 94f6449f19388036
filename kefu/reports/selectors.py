"""Monthly complaint statistics (客诉案件统计表), read with aggregate queries only.

Every number is a `values().annotate(Count(...))` over one month of cases the user may see
(`Case.objects.visible_to`), so the report costs the same handful of queries for 5 cases or 50,000.
Python only loops over the resulting groups (case types, units, channels…), never over cases.

Of the cases concluded in the month (closed, or closed and already archived):

* **closed** counts the ones that were dealt with; a complaint that **did not stand** (validity
  "not established": closed with a reason instead of being handled) is not one of them and is
  counted on its own (`not_established`);
* **stood** counts the complaints found valid (立案/成立, validity "established");
* **closed in time** comes from the SLA clocks: a closed case whose rulebook gives it a resolution
  clock counts as closed in time when none of its resolution clocks was missed. Case types without
  a resolution clock show "—".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.cases.choices import CaseStatus, Channel, Responsibility
from kefu.cases.models import Case
from kefu.org.models import OrgUnit, User
from kefu.org.paths import unit_paths
from kefu.reports.fields import choice_field_columns, field_breakdowns
from kefu.reports.grouping import grouped_counts
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.schema import RulebookDoc
from kefu.rulebooks.selectors import rulebook_doc
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

__all__ = ("Breakdown", "Month", "MonthlyReport", "Row", "month_cases", "monthly_report", "report_timezone")

# A case counts as closed once it reached a closed (or later archived) stage; withdrawn and merged
# cases also get a closed_at, but they were never concluded, so they are not "closed" here.
CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.ARCHIVED)


def report_timezone() -> ZoneInfo:
    # Months are the organisation's months (Asia/Shanghai by default), whatever zone the server runs in.
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def last(cls, now: dt.datetime | None = None) -> Month:
        local = (now or timezone.now()).astimezone(report_timezone())
        return cls(local.year, local.month).previous

    @classmethod
    def parse(cls, value: str | None, default: Month) -> tuple[Month, bool]:
        """'2026-03' → Month(2026, 3). Returns (month, ok); a bad value gives (default, False)."""
        if not value:
            return default, True
        try:
            year, month = (int(part) for part in value.split("-", 1))
            if not (1 <= month <= 12 and 2000 <= year <= 2999):
                raise ValueError
        except ValueError:
            return default, False
        return cls(year, month), True

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=report_timezone())

    @property
    def end(self) -> dt.datetime:
        """The first instant of the next month (exclusive bound)."""
        return self.next.start

    @property
    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class Row:
    key: str
    label: str
    group: str = ""  # e.g. the rulebook a case type or category belongs to
    received: int = 0
    closed: int = 0  # concluded in the month and dealt with (not a complaint that did not stand)
    in_time: int = 0
    # Closed cases with a resolution clock; 0 means "closed in time" is not applicable.
    in_time_applicable: int = 0
    established: int = 0  # concluded in the month, the complaint stood
    not_established: int = 0  # concluded in the month because the complaint did not stand

    @property
    def in_time_display(self) -> int | None:
        return self.in_time if self.in_time_applicable else None

    @property
    def in_time_rate(self) -> float | None:
        """On-time rate in per cent: closed in time ÷ closed cases with a resolution deadline."""
        return round(100 * self.in_time / self.in_time_applicable, 1) if self.in_time_applicable else None

    @property
    def stood_rate(self) -> float | None:
        """Share of the concluded complaints that stood, in per cent (None when none was judged)."""
        judged = self.established + self.not_established
        return round(100 * self.established / judged, 1) if judged else None

    def add(self, other: Row) -> None:
        self.received += other.received
        self.closed += other.closed
        self.in_time += other.in_time
        self.in_time_applicable += other.in_time_applicable
        self.established += other.established
        self.not_established += other.not_established


@dataclass
class Breakdown:
    code: str
    title: str
    rows: list[Row]
    has_group: bool = False
    # The sum of the rows, for the breakdowns where every case is in exactly one row (not multi-choice).
    total: Row | None = None

    def with_total(self) -> Breakdown:
        self.total = Row(key="total", label=_("Total"))
        for row in self.rows:
            self.total.add(row)
        return self


@dataclass
class MonthlyReport:
    month: Month
    total: Row
    breakdowns: list[Breakdown] = field(default_factory=list)

    def breakdown(self, code: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.code == code)


# --------------------------------------------------------------------------------------------------


def _in_time_filters() -> tuple[Q, Q]:
    """(applicable, in_time) conditions for Count(filter=...).

    A closed case counts for "closed in time" when its rulebook gives it a resolution clock
    (`resolution: true`); it was closed in time when none of its resolution clocks was missed.
    """
    resolution = Clock.objects.filter(case=OuterRef("pk"), resolution=True)
    applicable = Q(Exists(resolution))
    in_time = applicable & ~Q(Exists(resolution.filter(status=ClockStatus.MISSED)))
    return applicable, in_time


def _versions(ids: Iterable[int]) -> dict[int, RulebookVersion]:
    ids = set(ids)
    return {v.pk: v for v in RulebookVersion.objects.filter(pk__in=ids).select_related("rulebook")} if ids else {}


def _rows(
    grouped: dict[tuple[Any, ...], dict[str, int]],
    describe: Callable[[tuple[Any, ...]], tuple[str, str, str]],
) -> list[Row]:
    """Turn grouped counts into rows; groups that `describe` maps to the same key are summed."""
    rows: dict[str, Row] = {}
    for key, counts in grouped.items():
        row_key, label, group = describe(key)
        row = rows.setdefault(row_key, Row(key=row_key, label=label, group=group))
        row.add(
            Row(
                key=row_key,
                label=label,
                received=counts["received"],
                closed=counts["closed"],
                in_time=counts["in_time"],
                in_time_applicable=counts["applicable"],
                established=counts["established"],
                not_established=counts["not_established"],
            )
        )
    return sorted(rows.values(), key=lambda r: (-r.received, -(r.closed + r.not_established), r.group, r.label))


def monthly_report(*, user: User, month: Month) -> MonthlyReport:
    """The month's statistics over the cases `user` may see."""
    visible = Case.objects.visible_to(user)
    received = visible.filter(received_at__gte=month.start, received_at__lt=month.end)
    closed = visible.filter(closed_at__gte=month.start, closed_at__lt=month.end, status__in=CLOSED_STATUSES)
    applicable, in_time = _in_time_filters()
    # Choice form fields (format v2) group like any other dimension: their value is read from the JSON.
    fields = choice_field_columns()
    received, closed = received.annotate(**fields.annotations), closed.annotate(**fields.annotations)

    # Case types and categories are rulebook codes: the same code may mean different things in two
    # rulebooks, so they are grouped per rulebook (versions of one rulebook are summed together).
    counts = grouped_counts(
        received,
        closed,
        {
            "case_type": ["rulebook_version", "case_type"],
            "category": ["rulebook_version", "category"],
            "unit": ["responsible_unit", "responsible_unit__name"],
            "responsibility": ["responsibility"],
            "channel": ["channel"],
            **fields.dims,
        },
        applicable=applicable,
        in_time=in_time,
    )
    by_type, by_category = counts["case_type"], counts["category"]
    versions = _versions(version_id for version_id, _code in [*by_type, *by_category])
    docs: dict[int, RulebookDoc] = {pk: rulebook_doc(v) for pk, v in versions.items()}

    english = (get_language() or "").startswith("en")

    def label(obj: Any, fallback: str) -> str:
        """A rulebook label in the reader's language (English labels where the rulebook has them)."""
        if obj is None:
            return fallback
        return (english and getattr(obj, "label_en", "")) or getattr(obj, "label", "") or fallback

    def book(doc: RulebookDoc) -> str:
        return (english and doc.name_en) or doc.name

    def describe_type(key: tuple[Any, ...]) -> tuple[str, str, str]:
        version_id, code = key
        doc = docs[version_id]
        return f"{doc.key}:{code}", label(doc.case_types.get(code), code), book(doc)

    def describe_category(key: tuple[Any, ...]) -> tuple[str, str, str]:
        version_id, code = key
        doc = docs[version_id]
        found = next((c for c in doc.categories if c.code == code), None)
        return f"{doc.key}:{code}", label(found, code) if code else _("No category"), book(doc)

    paths = unit_paths(OrgUnit.objects.filter(pk__in={key[0] for key in counts["unit"] if key[0]}))

    def describe_unit(key: tuple[Any, ...]) -> tuple[str, str, str]:
        unit_id, name = key
        # "杭州公司 / 售后部": two units called 售后部 are told apart.
        return str(unit_id or ""), paths.get(unit_id) or name or _("Not routed yet"), ""

    def describe_choice(labels: dict[str, str], empty: str) -> Callable[[tuple[Any, ...]], tuple[str, str, str]]:
        return lambda key: (key[0] or "", str(labels.get(key[0], key[0])) if key[0] else empty, "")

    def describe_channel(month_docs: Iterable[RulebookDoc]) -> Callable[[tuple[Any, ...]], tuple[str, str, str]]:
        # Kefu's channels, relabelled or extended by the month's rulebooks (their own channels).
        labels = {c.value: str(c.label) for c in Channel}
        for doc in month_docs:
            labels.update(
                {
                    code: doc.channel_label(code, english=english)
                    for code in doc.channel_codes()
                    if code not in Channel.values
                }
            )
        return describe_choice(labels, _("Unknown"))

    type_rows = _rows(by_type, describe_type)
    total = Row(key="total", label=_("Total"))
    for row in type_rows:
        total.add(row)

    breakdowns = [
        Breakdown("case_type", _("By case type"), type_rows, has_group=True).with_total(),
        Breakdown("category", _("By category"), _rows(by_category, describe_category), has_group=True).with_total(),
        Breakdown("unit", _("By responsible unit"), _rows(counts["unit"], describe_unit)).with_total(),
        Breakdown(
            "responsibility",
            _("By responsibility"),
            _rows(counts["responsibility"], describe_choice(dict(Responsibility.choices), _("Not determined"))),
        ).with_total(),
        Breakdown(
            "channel",
            _("By channel"),
            _rows(counts["channel"], describe_channel(docs.values())),
        ).with_total(),
    ]
    # The rulebooks' choice fields (format v2), one breakdown each (kefu/reports/fields.py).
    breakdowns += field_breakdowns(
        counts=counts,
        received=received,
        closed=closed,
        docs=docs,
        applicable=applicable,
        in_time=in_time,
        make_row=Row,
        make_breakdown=lambda code, title, rows, rulebook: Breakdown(code, f"{title} · {rulebook}", rows),
    )
    return MonthlyReport(month=month, total=total, breakdowns=breakdowns)


# The monthly workbook's case sheet stops here (a month of one organisation is far below it).
CASE_SHEET_MAX_ROWS = 10_000


def month_cases(*, user: User, month: Month) -> tuple[list[Case], bool]:
    """The cases behind the month's figures (received or concluded in the month) that `user` may see,
    oldest first, with "closed in time" from the same resolution clocks as the figures
    (`in_time_applicable`, `closed_in_time` annotations). Returns (cases, truncated)."""
    applicable, in_time = _in_time_filters()
    in_month = Q(received_at__gte=month.start, received_at__lt=month.end) | Q(
        closed_at__gte=month.start, closed_at__lt=month.end, status__in=CLOSED_STATUSES
    )
    rows = list(
        Case.objects.visible_to(user)
        .filter(in_month)
        .select_related("customer", "owner", "responsible_unit", "rulebook_version")
        .annotate(
            in_time_applicable=ExpressionWrapper(applicable, output_field=BooleanField()),
            closed_in_time=ExpressionWrapper(in_time, output_field=BooleanField()),
        )
        .order_by("received_at", "id")[: CASE_SHEET_MAX_ROWS + 1]
    )
    return rows[:CASE_SHEET_MAX_ROWS], len(rows) > CASE_SHEET_MAX_ROWS
