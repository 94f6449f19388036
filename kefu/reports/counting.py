"""What the monthly statistics count, apart from how they are shown: the month, the dimensions and
the grouped counts of a set of cases. The live report counts the cases a person may see; the rollup
(`kefu/reports/rollup.py`) counts every case of a month the same way and keeps the result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kefu.cases.choices import CaseStatus
from kefu.cases.models import Case
from kefu.reports.fields import FieldColumns, multi_counts
from kefu.reports.grouping import Counts, grouped_counts
from kefu.sla.choices import ClockStatus
from kefu.sla.models import Clock

__all__ = ("CLOSED_STATUSES", "Month", "in_time_filters", "month_counts", "report_dims", "report_timezone")

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
        return cls.of(now or timezone.now()).previous

    @classmethod
    def of(cls, moment: dt.datetime) -> Month:
        """The organisation's month an instant falls in."""
        local = moment.astimezone(report_timezone())
        return cls(local.year, local.month)

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
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

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


def in_time_filters() -> tuple[Q, Q]:
    """(applicable, in_time) conditions for Count(filter=...).

    A closed case counts for "closed in time" when its rulebook gives it a resolution clock
    (`resolution: true`); it was closed in time when none of its resolution clocks was missed.
    """
    resolution = Clock.objects.filter(case=OuterRef("pk"), resolution=True)
    applicable = Q(Exists(resolution))
    in_time = applicable & ~Q(Exists(resolution.filter(status=ClockStatus.MISSED)))
    return applicable, in_time


def report_dims(fields: FieldColumns) -> dict[str, list[str]]:
    # Case types and categories are rulebook codes: the same code may mean different things in two
    # rulebooks, so they are grouped per rulebook (versions of one rulebook are summed together).
    return {
        "case_type": ["rulebook_version", "case_type"],
        "category": ["rulebook_version", "category"],
        "unit": ["responsible_unit", "responsible_unit__name"],
        "responsibility": ["responsibility"],
        "channel": ["channel"],
        # Choice form fields (format v2) group like any other dimension: their value is read from the JSON.
        **fields.dims,
    }


def month_counts(cases: QuerySet[Case], month: Month, fields: FieldColumns, *, prefix: tuple[str, ...] = ()) -> Counts:
    """Every dimension's counts over `cases` for the month: received in it, and concluded in it.
    `prefix` columns are put in front of every dimension's key (the rollup groups its partitions so)."""
    received = cases.filter(received_at__gte=month.start, received_at__lt=month.end)
    closed = cases.filter(closed_at__gte=month.start, closed_at__lt=month.end, status__in=CLOSED_STATUSES)
    received, closed = received.annotate(**fields.annotations), closed.annotate(**fields.annotations)
    applicable, in_time = in_time_filters()
    dims = {name: [*prefix, *cols] for name, cols in report_dims(fields).items()}
    counts = grouped_counts(received, closed, dims, applicable=applicable, in_time=in_time)
    counts.update(multi_counts(received, closed, fields.multi, prefix=prefix, applicable=applicable, in_time=in_time))
    return counts
