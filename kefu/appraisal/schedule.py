"""When a scheduled report (rulebook `appraisal.reports[]`) is due, and which period it covers.

A report is generated and sent on its `day` and covers the latest period that ended before that day:

* `day`: every day, the day before;
* `week` (`day: friday`): the seven days ending the day before (Friday → Friday to Thursday);
* `month` (`day: 5`): the month before (篇9 statistics by the 10th; 篇11 supervision report at month
  end = on the 1st, the bulletin before the 20th);
* `half_year` (`day: 10`): on that day of July (January to June) and of January (July to December);
* `year` (`day: 10`): on that day of January, the year before.

A worker that did not run on the due day catches up on a later day of the same cycle: `owed` gives the
latest period whose due day has come; the one-report-per-(report, period, unit) constraint keeps it
from being made twice.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from kefu.appraisal.choices import ReportPeriod

if TYPE_CHECKING:
    from kefu.appraisal.rules import ReportDef

__all__ = ("Due", "due_on", "owed")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Due(NamedTuple):
    due: date  # the day it is generated and sent
    start: date  # the period covered, inclusive
    end: date


def _month_start(day: date, back: int = 0) -> date:
    month = day.month - back
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def owed(defn: ReportDef, today: date) -> Due:
    """The latest due day on or before `today` and the period it covers."""
    if defn.period == ReportPeriod.DAY:
        return Due(today, today - timedelta(days=1), today - timedelta(days=1))
    if defn.period == ReportPeriod.WEEK:
        due = today - timedelta(days=(today.weekday() - WEEKDAYS.index(str(defn.day))) % 7)
        return Due(due, due - timedelta(days=7), due - timedelta(days=1))
    day = int(defn.day)
    if defn.period == ReportPeriod.MONTH:
        this_month = today.replace(day=day)
        due = this_month if this_month <= today else _month_start(today, 1).replace(day=day)
        start = _month_start(due, 1)
        return Due(due, start, _month_end(start))
    if defn.period == ReportPeriod.HALF_YEAR:
        candidates = [date(today.year, 7, day), date(today.year, 1, day), date(today.year - 1, 7, day)]
        due = next(c for c in candidates if c <= today)
        start = date(due.year, 7, 1) if due.month == 1 else date(due.year, 1, 1)
        start = start.replace(year=due.year - 1) if due.month == 1 else start
        end = date(start.year, 12, 31) if start.month == 7 else date(start.year, 6, 30)
        return Due(due, start, end)
    due = date(today.year, 1, day) if date(today.year, 1, day) <= today else date(today.year - 1, 1, day)
    return Due(due, date(due.year - 1, 1, 1), date(due.year - 1, 12, 31))


def due_on(defn: ReportDef, day: date) -> bool:
    """Is the report generated and sent on this very day?"""
    return owed(defn, day).due == day
