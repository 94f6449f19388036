"""Monthly complaint statistics (客诉案件统计表), read with aggregate queries only.

Every number is a grouped count (`kefu/reports/counting.py`) over one month of cases the user may see
(`Case.objects.visible_to`), so the report costs the same handful of queries for 5 cases or 50,000.
Python only loops over the resulting groups (case types, units, channels…), never over cases. For the
readers whose scope is the whole organisation the groups come from the rollup the worker keeps
(`kefu/reports/rollup.py`; a month of ten million cases is too big to group on every request), less
what `visible_to` hides from them; the report then says when they were counted (`counted_at`).

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

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.cases.choices import Channel, Responsibility
from kefu.cases.models import Case
from kefu.org.models import OrgUnit, User
from kefu.org.paths import unit_paths
from kefu.reports.counting import CLOSED_STATUSES, Month, in_time_filters, month_counts, report_timezone
from kefu.reports.fields import choice_field_columns, field_breakdowns
from kefu.reports.rollup import rollup_counts
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.schema import RulebookDoc
from kefu.rulebooks.selectors import rulebook_doc

__all__ = ("Breakdown", "Month", "MonthlyReport", "Row", "month_cases", "monthly_report", "report_timezone")


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
    # When the figures come from the rollup: the moment they were counted (the worker refreshes the
    # rollup every 10 minutes). None: counted live, when the report was asked for.
    counted_at: dt.datetime | None = None

    def breakdown(self, code: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.code == code)


# --------------------------------------------------------------------------------------------------


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
    """The month's statistics over the cases `user` may see.

    For a reader whose scope is the whole organisation the counts come from the rollup the worker
    keeps (`kefu/reports/rollup.py`), less what `visible_to` hides from them; for everyone else they
    are counted live over their visible cases. Both give the same numbers for the same data."""
    fields = choice_field_columns()
    counted_at = None
    from_rollup = rollup_counts(user=user, month=month, fields=fields)
    if from_rollup is None:
        counts = month_counts(Case.objects.visible_to(user), month, fields)
    else:
        counts, counted_at = from_rollup
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
        docs=docs,
        make_row=Row,
        make_breakdown=lambda code, title, rows, rulebook: Breakdown(code, f"{title} · {rulebook}", rows),
    )
    return MonthlyReport(month=month, total=total, breakdowns=breakdowns, counted_at=counted_at)


# The monthly workbook's case sheet stops here (a month of one organisation is far below it).
CASE_SHEET_MAX_ROWS = 10_000


def month_cases(*, user: User, month: Month) -> tuple[list[Case], bool]:
    """The cases behind the month's figures (received or concluded in the month) that `user` may see,
    oldest first, with "closed in time" from the same resolution clocks as the figures
    (`in_time_applicable`, `closed_in_time` annotations). Returns (cases, truncated)."""
    applicable, in_time = in_time_filters()
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
