"""The official Chinese schedule as the chinesecalendar package knows it (no database, so the engine
tests and the benchmark can use it directly)."""

from datetime import date, time, timedelta

import chinese_calendar

from kefu.calendars.engine import Window
from kefu.calendars.yearfile import YearSchedule
from kefu.core.exceptions import ApplicationError

__all__ = ("OFFICE_WINDOWS", "official_year_schedule", "official_years_known")

OFFICE_WINDOWS: tuple[Window, ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))

# chinesecalendar names holidays in English; the product speaks Chinese.
_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def official_years_known(*, first: int = 2004, last: int | None = None) -> list[int]:
    """The years chinesecalendar has official data for, between `first` and `last`."""
    last = last if last is not None else date.today().year + 2
    years = []
    for year in range(first, last + 1):
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            continue
        years.append(year)
    return years


def official_year_schedule(*, year: int) -> YearSchedule:
    """The State Council schedule for `year` as chinesecalendar knows it (no database).

    Every named holiday day (weekend days inside a holiday block included, so the year view shows
    the whole block) and every Saturday or Sunday that is a working day (调休).
    """
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        raise ApplicationError(
            f"The chinesecalendar package has no official schedule for {year} yet. Enter the State "
            f"Council's notice as a YAML year file and import it (`kefu calendar import KEY FILE`; "
            f"`kefu calendar export KEY {year - 1}` gives a file to start from).",
            extra={"year": year},
        )
    schedule = YearSchedule(year=year, notice=f"chinesecalendar {chinese_calendar.__version__}")
    day = date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        label = _HOLIDAY_NAMES.get(name, name or "")
        if on_holiday and name:
            schedule.holidays[day] = label
        elif not on_holiday and day.weekday() >= 5:
            schedule.workdays[day] = (label, ())
        day += timedelta(days=1)
    return schedule
