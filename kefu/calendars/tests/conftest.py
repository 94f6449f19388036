from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.calendars.engine import DayRule, WorkingTime
from kefu.calendars.official import OFFICE_WINDOWS, official_year_schedule

SH = ZoneInfo("Asia/Shanghai")


def sh(*parts: int) -> datetime:
    """A Shanghai wall-clock instant: sh(2026, 2, 13, 16, 0)."""
    return datetime(*parts, tzinfo=SH)


def official_special_days(*years: int) -> dict[date, DayRule]:
    special: dict[date, DayRule] = {}
    for year in years:
        schedule = official_year_schedule(year=year)
        special.update({d: DayRule("holiday") for d in schedule.holidays})
        special.update({d: DayRule("workday", windows) for d, (_, windows) in schedule.workdays.items()})
    return special


def office_engine() -> WorkingTime:
    """Mon–Fri 08:30–12:00 and 13:30–17:30 with the real 2025 and 2026 official schedules."""
    return WorkingTime(
        label="office",
        weekly={weekday: OFFICE_WINDOWS for weekday in range(5)},
        special=official_special_days(2025, 2026),
        years=(2025, 2026),
    )


OFFICE = office_engine()


@pytest.fixture
def office() -> WorkingTime:
    return OFFICE
