"""Working-time arithmetic for one calendar, without the database.

`WorkingTime` is built once from a calendar's weekly windows, its dated special days and the years
whose official schedule is loaded. It lays every working window of those years out as two sorted
arrays of instants (UTC, integer microseconds since the epoch, so seconds in the input are kept
exactly) plus a prefix sum of working time, and one sorted array of working days with the end of
each day's last window. Every question is then one or two `bisect` lookups: O(log n) in the number
of windows, never a walk over days. A 24×7 calendar has no arrays; its arithmetic is wall-clock.

The exact meaning of each unit is documented in docs/calendars.md and in `WorkingTime.add`.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kefu.core.exceptions import ApplicationError

__all__ = (
    "DayRule",
    "ScheduleMissing",
    "Unit",
    "Window",
    "WorkingTime",
    "check_windows",
    "format_window",
    "parse_window",
)

Window = tuple[time, time]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
MINUTE_US = 60_000_000
_DAY = timedelta(days=1)


class Unit(StrEnum):
    """Units a duration can be expressed in (rulebooks name them by these values)."""

    MINUTES = "minutes"  # elapsed time
    HOURS = "hours"  # elapsed time
    WORKING_MINUTES = "working_minutes"  # time inside business windows only
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"  # end of business of the N-th working day after the arrival date
    CALENDAR_DAYS = "calendar_days"  # 24:00 of the N-th calendar day after the arrival date
    SAME_WORKING_DAY = "same_working_day"  # end of the arrival day's last window (amount ignored)
    NTH_OF_NEXT_MONTH = "nth_of_next_month"  # 24:00 of day N of the following month


class ScheduleMissing(ApplicationError):
    """A computation needed a year whose official schedule has not been loaded for the calendar.

    Guessing (treating the year as plain Monday–Friday) would silently move deadlines by a week
    around Spring Festival, so the clock refuses and says what to load.
    """

    def __init__(self, calendar: str, year: int) -> None:
        self.calendar = calendar
        self.year = year
        super().__init__(
            f"Calendar '{calendar}' has no working schedule for {year}: load it with "
            f"`kefu calendar load-year {calendar} {year}` or import the State Council's schedule as a "
            f"YAML year file (`kefu calendar import {calendar} FILE`).",
            extra={"calendar": calendar, "year": year},
        )


@dataclass(frozen=True, slots=True)
class DayRule:
    """A dated exception to the weekly pattern. A make-up working day without its own windows
    works the Monday windows (the State Council's 调休 days are full working days)."""

    kind: str  # "holiday" or "workday"
    windows: tuple[Window, ...] = ()


def parse_window(text: str) -> Window:
    """'08:30-12:00' -> (time(8, 30), time(12, 0)); raises ValueError with a readable message."""
    parts = [p.strip() for p in str(text).replace("–", "-").split("-")]
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not a window like 08:30-12:00")
    try:
        start, end = (time.fromisoformat(p) for p in parts)
    except ValueError:
        raise ValueError(f"'{text}' is not a window like 08:30-12:00")
    check_windows([(start, end)])
    return start, end


def format_window(window: Window) -> str:
    return f"{window[0]:%H:%M}-{window[1]:%H:%M}"


def check_windows(windows: Iterable[Window]) -> list[Window]:
    """Sorted windows; ValueError when one is empty or two overlap (touching is allowed)."""
    ordered = sorted(windows)
    for start, end in ordered:
        if not start < end:
            raise ValueError(f"window {format_window((start, end))} must start before it ends")
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b[0] < a[1]:
            raise ValueError(f"windows {format_window(a)} and {format_window(b)} overlap")
    return ordered


def _to_us(t: datetime) -> int:
    if t.tzinfo is None:
        raise ValueError("working-time arithmetic needs an aware datetime")
    return (t - _EPOCH) // _US


class WorkingTime:
    """Working-time arithmetic for one calendar over its covered years."""

    def __init__(
        self,
        *,
        label: str,
        time_zone: str | ZoneInfo = "Asia/Shanghai",
        weekly: Mapping[int, Sequence[Window]] | None = None,
        special: Mapping[date, DayRule] | None = None,
        years: Iterable[int] = (),
        is_24x7: bool = False,
    ) -> None:
        self.label = label
        self.tz = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
        self.is_24x7 = is_24x7
        self.years = tuple(sorted(set(years)))
        weekly = {wd: tuple(check_windows(ws)) for wd, ws in (weekly or {}).items()}
        special = dict(special or {})
        self._weekly = weekly
        self._special = special

        starts: list[int] = []
        ends: list[int] = []
        day_ords: list[int] = []
        day_ends: list[int] = []
        # Covered years form blocks of consecutive years; a computation may not leave its block,
        # because the year after it is unknown (possibly a gap year between two loaded ones).
        block_starts: list[int] = []
        block_ends: list[int] = []
        block_last_year: list[int] = []
        # Results are made by adding an offset to a window's cached start datetime (wall-clock
        # addition, far cheaper than a zone conversion). That is exact unless a DST change falls
        # inside a window, which never happens in China; other zones fall back to conversion.
        wall_safe = True
        if not is_24x7:
            for year in self.years:
                year_start = self._local_us(date(year, 1, 1), time(0))
                if block_last_year and block_last_year[-1] == year - 1:
                    block_last_year[-1] = year
                    block_ends[-1] = self._local_us(date(year + 1, 1, 1), time(0))
                else:
                    block_starts.append(year_start)
                    block_ends.append(self._local_us(date(year + 1, 1, 1), time(0)))
                    block_last_year.append(year)
                day = date(year, 1, 1)
                while day.year == year:
                    windows = self.windows_on(day)
                    for start, end in windows:
                        starts.append(self._local_us(day, start))
                        ends.append(self._local_us(day, end))
                        if ends[-1] - starts[-1] != (datetime.combine(day, end) - datetime.combine(day, start)) // _US:
                            wall_safe = False
                    if windows:
                        day_ords.append(day.toordinal())
                        day_ends.append(ends[-1])
                    day += _DAY
        cum = [0]
        for s, e in zip(starts, ends, strict=True):
            cum.append(cum[-1] + (e - s))
        self._starts, self._ends, self._cum = starts, ends, cum
        self._day_ords, self._day_ends = day_ords, day_ends
        self._wall_safe = wall_safe
        # Datetimes of window starts and day ends, made on first use.
        self._start_dts: list[datetime | None] = [None] * len(starts)
        self._day_end_dts: list[datetime | None] = [None] * len(day_ends)
        self._block_starts, self._block_ends, self._block_last_year = block_starts, block_ends, block_last_year

    # ------------------------------------------------------------------------------------------
    # Building blocks

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The business windows of one local date (empty on a day off)."""
        if self.is_24x7:
            return ((time(0), time.max),)
        rule = self._special.get(day)
        if rule is None:
            return self._weekly.get(day.weekday(), ())
        if rule.kind == "holiday":
            return ()
        return rule.windows or self._weekly.get(0, ())

    def _local_us(self, day: date, at: time) -> int:
        return _to_us(datetime.combine(day, at, tzinfo=self.tz))

    def _from_us(self, us: int) -> datetime:
        # fromtimestamp converts to the zone in one C call; most results are whole minutes.
        seconds, micro = divmod(us, 1_000_000)
        result = datetime.fromtimestamp(seconds, self.tz)
        return result + timedelta(microseconds=micro) if micro else result

    def _at(self, i: int, offset: int) -> datetime:
        """The instant `offset` microseconds into window i."""
        if not self._wall_safe:
            return self._from_us(self._starts[i] + offset)
        base = self._start_dts[i]
        if base is None:
            base = self._start_dts[i] = self._from_us(self._starts[i])
        return base + timedelta(microseconds=offset) if offset else base

    def _block(self, us: int) -> int:
        """Index of the covered block containing the instant; ScheduleMissing otherwise."""
        k = bisect_right(self._block_starts, us) - 1
        if k < 0 or us >= self._block_ends[k]:
            raise ScheduleMissing(self.label, self._from_us(us).year)
        return k

    def _missing_after(self, k: int) -> ScheduleMissing:
        return ScheduleMissing(self.label, self._block_last_year[k] + 1)

    def _position(self, us: int) -> int:
        """Working microseconds between the first covered window and the instant."""
        i = bisect_right(self._starts, us) - 1
        if i >= 0 and us < self._ends[i]:
            return self._cum[i] + (us - self._starts[i])
        return self._cum[i + 1]

    # ------------------------------------------------------------------------------------------
    # Questions

    def is_working(self, t: datetime) -> bool:
        if self.is_24x7:
            return True
        us = _to_us(t)
        self._block(us)
        i = bisect_right(self._starts, us) - 1
        return i >= 0 and us < self._ends[i]

    def next_working_instant(self, t: datetime) -> datetime:
        """`t` itself inside a window (windows include their start, exclude their end), else the
        start of the next window."""
        if self.is_24x7:
            return t
        us = _to_us(t)
        k = self._block(us)
        i = bisect_right(self._starts, us) - 1
        if i >= 0 and us < self._ends[i]:
            return t
        if i + 1 >= len(self._starts) or self._starts[i + 1] >= self._block_ends[k]:
            raise self._missing_after(k)
        return self._at(i + 1, 0)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant at which `minutes` of working time have passed since `start`.

        A result that exhausts a window is that window's end (17:30), not the next morning's start:
        "due by 17:30" is what a person expects to read. Zero minutes returns `start` unchanged.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        if self.is_24x7:
            return start + timedelta(minutes=minutes)
        us = _to_us(start)
        k = self._block(us)
        if minutes == 0:
            return start
        target = self._position(us) + minutes * MINUTE_US
        # The interval j with cum[j] < target <= cum[j + 1] holds the result.
        j = bisect_left(self._cum, target) - 1
        if j >= len(self._starts):
            raise self._missing_after(k)
        offset = target - self._cum[j]
        if self._starts[j] + offset > self._block_ends[k]:
            raise self._missing_after(k)
        return self._at(j, offset)

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes from `a` to `b` (negative when `b` is earlier)."""
        if b < a:
            return -self.working_minutes_between(b, a)
        if self.is_24x7:
            return (b - a) // timedelta(minutes=1)
        ua, ub = _to_us(a), _to_us(b)
        ka = self._block(ua)
        if ub >= self._block_ends[ka]:
            raise self._missing_after(ka)
        return (self._position(ub) - self._position(ua)) // MINUTE_US

    def end_of_working_day(self, t: datetime) -> datetime:
        """The end of the last window of t's day if that is a working day and t is before that end
        (lunch and early morning included); otherwise the end of the next working day."""
        if self.is_24x7:
            return datetime.combine(t.astimezone(self.tz).date() + _DAY, time(0), tzinfo=self.tz)
        us = _to_us(t)
        k = self._block(us)
        ordinal = t.astimezone(self.tz).date().toordinal()
        j = bisect_left(self._day_ords, ordinal)
        if j < len(self._day_ords) and self._day_ords[j] == ordinal and us >= self._day_ends[j]:
            j += 1
        return self._day_end(j, k)

    def add_working_days(self, t: datetime, n: int) -> datetime:
        """End of business of the n-th working day after t's local date (n >= 1).

        The arrival date never counts, whatever the hour (民法典 art. 201: a period counted in days
        starts the next day), so a case gets at least n full working days and less than n + 1.
        n == 0 means "same working day" (see `end_of_working_day`).
        """
        if n < 0:
            raise ValueError("working days must not be negative")
        if n == 0:
            return self.end_of_working_day(t)
        local = t.astimezone(self.tz)
        if self.is_24x7:
            return datetime.combine(local.date() + timedelta(days=n + 1), time(0), tzinfo=self.tz)
        k = self._block(_to_us(t))
        j = bisect_right(self._day_ords, local.date().toordinal()) + n - 1
        return self._day_end(j, k)

    def _day_end(self, j: int, k: int) -> datetime:
        if j >= len(self._day_ends) or self._day_ends[j] >= self._block_ends[k]:
            raise self._missing_after(k)
        result = self._day_end_dts[j]
        if result is None:
            result = self._day_end_dts[j] = self._from_us(self._day_ends[j])
        return result

    def add(self, t: datetime, amount: int, unit: Unit | str) -> datetime:
        """The deadline `amount` `unit`s after `t` (see `Unit` and docs/calendars.md)."""
        unit = Unit(unit)
        if amount < 0:
            raise ValueError("durations must not be negative")
        if unit is Unit.MINUTES:
            return t + timedelta(minutes=amount)
        if unit is Unit.HOURS:
            return t + timedelta(hours=amount)
        if unit is Unit.WORKING_MINUTES:
            return self.add_working_minutes(t, amount)
        if unit is Unit.WORKING_HOURS:
            return self.add_working_minutes(t, amount * 60)
        if unit is Unit.WORKING_DAYS:
            return self.add_working_days(t, amount)
        if unit is Unit.SAME_WORKING_DAY:
            return self.end_of_working_day(t)
        local = t.astimezone(self.tz)
        if unit is Unit.CALENDAR_DAYS:
            # Wall-clock dates: holidays do not stop calendar days.
            return datetime.combine(local.date() + timedelta(days=amount + 1), time(0), tzinfo=self.tz)
        # Unit.NTH_OF_NEXT_MONTH: day `amount` of the following month, clamped to its last day.
        if not 1 <= amount <= 31:
            raise ValueError("the day of next month must be between 1 and 31")
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        day = min(amount, _calendar.monthrange(year, month)[1])
        return datetime.combine(date(year, month, day) + _DAY, time(0), tzinfo=self.tz)

    @property
    def interval_count(self) -> int:
        return len(self._starts)
