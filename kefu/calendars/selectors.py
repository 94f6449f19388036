from datetime import date, timedelta
from functools import lru_cache

from kefu.calendars.engine import DayRule, WorkingTime, format_window
from kefu.calendars.models import SpecialDay, WorkCalendar
from kefu.core.exceptions import ApplicationError

__all__ = ("calendar_get", "calendar_year_days", "working_time_for")


def calendar_get(*, key: str) -> WorkCalendar:
    calendar = WorkCalendar.objects.filter(key=key).first()
    if calendar is None:
        raise ApplicationError(f"No working calendar '{key}'.", extra={"calendar": ["Unknown calendar."]})
    return calendar


@lru_cache(maxsize=64)
def _build(calendar_id: int, stamp: str) -> WorkingTime:
    # Built once per process per version: `stamp` is updated_at, which every edit bumps, so an old
    # entry is never read again and simply ages out of the LRU.
    calendar = WorkCalendar.objects.get(pk=calendar_id)
    weekly: dict[int, list] = {}
    for window in calendar.weekly_windows.all():
        weekly.setdefault(window.weekday, []).append((window.start, window.end))
    special = {
        day.date: DayRule(kind=day.kind, windows=tuple((w.start, w.end) for w in day.windows.all()))
        for day in SpecialDay.objects.filter(calendar=calendar).prefetch_related("windows")
    }
    return WorkingTime(
        label=calendar.key,
        time_zone=calendar.time_zone,
        weekly=weekly,
        special=special,
        years=calendar.years.values_list("year", flat=True),
        is_24x7=calendar.is_24x7,
    )


def working_time_for(calendar: WorkCalendar, *, fresh: bool = False) -> WorkingTime:
    """The calendar's engine. The stamp is re-read (one indexed query) because the instance a caller
    holds may predate an edit made by another process; `fresh=True` says the caller has only just
    read the instance from the database (in its current transaction), so its stamp is used as is."""
    if fresh:
        return _build(calendar.pk, calendar.updated_at.isoformat())
    stamp = WorkCalendar.objects.filter(pk=calendar.pk).values_list("updated_at", flat=True).first()
    if stamp is None:
        raise ApplicationError(f"No working calendar '{calendar.key}'.")
    return _build(calendar.pk, stamp.isoformat())


def calendar_year_days(*, calendar: WorkCalendar, year: int) -> dict[date, dict]:
    """Every date of the year with its kind, name and windows, for the admin's year view.

    Uses the engine's day rules, so the grid shows exactly what the clocks will use.
    """
    engine = working_time_for(calendar)
    names = {d.date: (d.kind, d.name) for d in SpecialDay.objects.filter(calendar=calendar, date__year=year)}
    days = {}
    day = date(year, 1, 1)
    while day.year == year:
        kind, name = names.get(day, ("", ""))
        windows = [format_window(w) for w in engine.windows_on(day)]
        if kind == "holiday":
            css = "holiday"
        elif kind == "workday":
            css = "makeup"
        elif windows:
            css = "working"
        else:
            css = "off"
        days[day] = {"date": day, "kind": kind, "name": name, "windows": windows, "css": css}
        day += timedelta(days=1)
    return days
