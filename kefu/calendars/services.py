"""Creating calendars and loading, exporting and importing a year's official schedule.

Every write bumps the calendar's `updated_at`, which is the stamp the engine cache keys on
(`selectors.working_time_for`), so a worker never computes a deadline from a stale schedule.
"""

from collections.abc import Mapping, Sequence

import chinese_calendar
from django.db import transaction
from django.utils import timezone

from kefu.calendars.engine import Window, check_windows
from kefu.calendars.models import (
    CalendarYear,
    DayKind,
    SpecialDay,
    SpecialDayWindow,
    WeeklyWindow,
    WorkCalendar,
    YearSource,
)
from kefu.calendars.official import OFFICE_WINDOWS, official_year_schedule, official_years_known
from kefu.calendars.yearfile import YearSchedule, dump_year_file, parse_year_file
from kefu.core.exceptions import ApplicationError

__all__ = (
    "calendar_create",
    "calendar_create_defaults",
    "calendar_load_official_year",
    "calendar_set_weekly_windows",
    "calendar_touch",
    "calendar_year_export",
    "calendar_year_import",
)


def calendar_touch(*, calendar: WorkCalendar) -> None:
    """Bump the version stamp after an edit of the calendar's windows, days or years."""
    calendar.updated_at = timezone.now()
    WorkCalendar.objects.filter(pk=calendar.pk).update(updated_at=calendar.updated_at)


@transaction.atomic
def calendar_set_weekly_windows(*, calendar: WorkCalendar, weekly: Mapping[int, Sequence[Window]]) -> None:
    """Replace the weekly pattern: weekday (0 = Monday) -> windows. Missing weekdays are days off."""
    rows = []
    for weekday, windows in weekly.items():
        if weekday not in range(7):
            raise ApplicationError(f"Weekday {weekday} is not 0 (Monday) to 6 (Sunday).")
        try:
            ordered = check_windows(windows)
        except ValueError as exc:
            raise ApplicationError(f"Weekday {weekday}: {exc}.")
        rows += [WeeklyWindow(calendar=calendar, weekday=weekday, start=s, end=e) for s, e in ordered]
    # Windows are the calendar's configuration, replaced as a whole, not business records.
    calendar.weekly_windows.all().delete()
    WeeklyWindow.objects.bulk_create(rows)
    calendar_touch(calendar=calendar)


@transaction.atomic
def calendar_create(
    *,
    key: str,
    name: str,
    time_zone: str = "Asia/Shanghai",
    is_24x7: bool = False,
    description: str = "",
    weekly: Mapping[int, Sequence[Window]] | None = None,
) -> WorkCalendar:
    calendar = WorkCalendar(key=key, name=name, time_zone=time_zone, is_24x7=is_24x7, description=description)
    calendar.full_clean()
    calendar.save()
    if weekly:
        calendar_set_weekly_windows(calendar=calendar, weekly=weekly)
    return calendar


@transaction.atomic
def _replace_year(*, calendar: WorkCalendar, schedule: YearSchedule, source: str, source_name: str) -> CalendarYear:
    """Replace the year's special days in one transaction: a half-loaded year cannot be seen."""
    WorkCalendar.objects.select_for_update().filter(pk=calendar.pk).first()
    SpecialDay.objects.filter(calendar=calendar, date__year=schedule.year).delete()
    days = [SpecialDay(calendar=calendar, date=d, kind=DayKind.HOLIDAY, name=n) for d, n in schedule.holidays.items()]
    days += [
        SpecialDay(calendar=calendar, date=d, kind=DayKind.WORKDAY, name=n) for d, (n, _) in schedule.workdays.items()
    ]
    SpecialDay.objects.bulk_create(days)
    by_date = {d.date: d for d in SpecialDay.objects.filter(calendar=calendar, date__year=schedule.year)}
    SpecialDayWindow.objects.bulk_create(
        SpecialDayWindow(special_day=by_date[d], start=s, end=e)
        for d, (_, windows) in schedule.workdays.items()
        for s, e in windows
    )
    year, _ = CalendarYear.objects.update_or_create(
        calendar=calendar,
        year=schedule.year,
        defaults={"source": source, "source_name": source_name[:200], "notice": schedule.notice[:300]},
    )
    calendar_touch(calendar=calendar)
    # Clocks created while this year was missing had no deadline; now they can have one.
    from kefu.sla.services import clocks_recompute_missing

    clocks_recompute_missing(calendar=calendar)
    return year


def calendar_load_official_year(*, calendar: WorkCalendar, year: int) -> CalendarYear:
    """Load (or reload, replacing hand edits of that year) the official schedule from chinesecalendar."""
    schedule = official_year_schedule(year=year)
    return _replace_year(
        calendar=calendar,
        schedule=schedule,
        source=YearSource.PACKAGE,
        source_name=f"chinesecalendar {chinese_calendar.__version__}",
    )


def calendar_year_export(*, calendar: WorkCalendar, year: int) -> str:
    """The calendar's special days of `year` as a YAML year file."""
    schedule = YearSchedule(year=year)
    loaded = CalendarYear.objects.filter(calendar=calendar, year=year).first()
    if loaded and loaded.notice:
        schedule.notice = loaded.notice
    for day in SpecialDay.objects.filter(calendar=calendar, date__year=year).prefetch_related("windows"):
        if day.kind == DayKind.HOLIDAY:
            schedule.holidays[day.date] = day.name
        else:
            schedule.workdays[day.date] = (day.name, tuple((w.start, w.end) for w in day.windows.all()))
    return dump_year_file(schedule, calendar_key=calendar.key)


def calendar_year_import(*, calendar: WorkCalendar, text: str, source_name: str = "<upload>") -> CalendarYear:
    """Validate a year file and replace that year's special days; on any error nothing changes."""
    schedule = parse_year_file(text, source=source_name)
    return _replace_year(calendar=calendar, schedule=schedule, source=YearSource.YAML, source_name=source_name)


@transaction.atomic
def calendar_create_defaults(*, first_year: int = 2025) -> list[WorkCalendar]:
    """The office calendar (Mon–Fri 08:30–12:00, 13:30–17:30, official years from `first_year`)
    and a 24×7 calendar. Existing calendars keep their edits; only missing years are loaded."""
    office = WorkCalendar.objects.filter(key="office").first()
    if office is None:
        office = calendar_create(
            key="office",
            name="办公时间",
            description="周一至周五 08:30–12:00、13:30–17:30，法定节假日与调休按国务院安排。",
            weekly={weekday: OFFICE_WINDOWS for weekday in range(5)},
        )
    have = set(office.years.values_list("year", flat=True))
    for year in official_years_known(first=first_year):
        if year not in have:
            calendar_load_official_year(calendar=office, year=year)
    always = WorkCalendar.objects.filter(key="24x7").first() or calendar_create(
        key="24x7", name="7×24 小时", is_24x7=True, description="热线与紧急工单：每一分钟都计时。"
    )
    return [office, always]
