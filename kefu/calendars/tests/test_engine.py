"""The working-time engine on the real 2025 and 2026 official schedules (office hours
08:30–12:00 and 13:30–17:30, Monday to Friday)."""

from datetime import date, time, timedelta

import pytest

from kefu.calendars.engine import DayRule, ScheduleMissing, Unit, WorkingTime, check_windows, parse_window
from kefu.calendars.official import OFFICE_WINDOWS

from .conftest import SH, sh


def test_official_2026_make_up_days_are_working_saturdays_and_sundays(office):
    make_up = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20)]
    make_up.append(date(2026, 10, 10))
    for day in make_up:
        assert day.weekday() >= 5
        assert office.windows_on(day) == OFFICE_WINDOWS  # a make-up day works the Monday windows
        assert office.is_working(sh(day.year, day.month, day.day, 9, 0))
    weekend_workdays = [
        date(2026, 1, 1) + timedelta(days=i)
        for i in range(365)
        if (date(2026, 1, 1) + timedelta(days=i)).weekday() >= 5
        and office.windows_on(date(2026, 1, 1) + timedelta(days=i))
    ]
    assert weekend_workdays == make_up
    for day in (date(2026, 2, 16), date(2026, 2, 23), date(2026, 10, 7)):  # weekday holidays
        assert office.windows_on(day) == ()


# --------------------------------------------------------------------------------------------------
# Working minutes


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Spring Festival 2026: Fri 02-13, make-up Sat 02-14, holiday 02-15..02-23, back Tue 02-24.
        (sh(2026, 2, 13, 16, 0), 60, sh(2026, 2, 13, 17, 0)),
        (sh(2026, 2, 13, 16, 0), 90, sh(2026, 2, 13, 17, 30)),  # exhausts the window: due at 17:30
        (sh(2026, 2, 13, 16, 0), 91, sh(2026, 2, 14, 8, 31)),  # lands on the make-up Saturday
        (sh(2026, 2, 13, 16, 0), 90 + 450 + 1, sh(2026, 2, 24, 8, 31)),  # skips the whole holiday
        (sh(2026, 2, 16, 10, 0), 30, sh(2026, 2, 24, 9, 0)),  # arrives on a holiday
        (sh(2026, 2, 27, 17, 0), 60, sh(2026, 2, 28, 9, 0)),  # make-up Saturday 02-28
        (sh(2026, 2, 28, 17, 0), 60, sh(2026, 3, 2, 9, 0)),  # then Sunday is off again
        # National Day 2025: make-up Sun 09-28, holiday 10-01..10-08, make-up Sat 10-11.
        (sh(2025, 9, 26, 17, 0), 60, sh(2025, 9, 28, 9, 0)),
        (sh(2025, 9, 30, 17, 0), 60, sh(2025, 10, 9, 9, 0)),
        (sh(2025, 10, 10, 17, 0), 60, sh(2025, 10, 11, 9, 0)),
        # National Day 2026: Mid-autumn 09-25..27, holiday 10-01..10-07, make-up Sat 10-10.
        (sh(2026, 9, 24, 17, 0), 60, sh(2026, 9, 28, 9, 0)),
        (sh(2026, 9, 30, 17, 0), 60, sh(2026, 10, 8, 9, 0)),
        (sh(2026, 10, 9, 17, 0), 60, sh(2026, 10, 10, 9, 0)),
        # Lunch 12:00–13:30 does not count.
        (sh(2026, 3, 3, 11, 30), 60, sh(2026, 3, 3, 14, 0)),
        (sh(2026, 3, 3, 11, 30), 30, sh(2026, 3, 3, 12, 0)),
        (sh(2026, 3, 3, 12, 45), 10, sh(2026, 3, 3, 13, 40)),
        # Night, early morning and weekend arrivals start at the next window.
        (sh(2026, 3, 2, 20, 0), 60, sh(2026, 3, 3, 9, 30)),
        (sh(2026, 3, 3, 7, 0), 60, sh(2026, 3, 3, 9, 30)),
        (sh(2026, 3, 7, 10, 0), 60, sh(2026, 3, 9, 9, 30)),
        # Seconds are kept.
        (sh(2026, 3, 3, 9, 0, 30), 10, sh(2026, 3, 3, 9, 10, 30)),
        (sh(2026, 3, 3, 9, 0), 0, sh(2026, 3, 3, 9, 0)),
    ],
)
def test_add_working_minutes(office, start, minutes, expected):
    result = office.add_working_minutes(start, minutes)
    assert result == expected
    assert result.tzinfo == SH  # results are in the calendar's zone, ready to display
    assert office.working_minutes_between(start, result) == minutes


def test_working_minutes_between_spans_spring_festival_and_lunch(office):
    assert office.working_minutes_between(sh(2026, 2, 13, 17, 0), sh(2026, 2, 24, 9, 0)) == 30 + 450 + 30
    assert office.working_minutes_between(sh(2026, 3, 3, 11, 0), sh(2026, 3, 3, 14, 0)) == 90
    assert office.working_minutes_between(sh(2026, 3, 3, 14, 0), sh(2026, 3, 3, 11, 0)) == -90
    assert office.working_minutes_between(sh(2026, 2, 16, 9, 0), sh(2026, 2, 20, 9, 0)) == 0


def test_is_working_and_next_working_instant(office):
    assert office.is_working(sh(2026, 3, 3, 8, 30))  # windows include their start
    assert not office.is_working(sh(2026, 3, 3, 12, 0))  # and exclude their end
    assert not office.is_working(sh(2026, 2, 17, 10, 0))
    assert office.next_working_instant(sh(2026, 3, 3, 10, 0)) == sh(2026, 3, 3, 10, 0)
    assert office.next_working_instant(sh(2026, 3, 3, 12, 0)) == sh(2026, 3, 3, 13, 30)
    assert office.next_working_instant(sh(2026, 2, 15, 10, 0)) == sh(2026, 2, 24, 8, 30)
    assert office.next_working_instant(sh(2026, 2, 13, 18, 0)) == sh(2026, 2, 14, 8, 30)


# --------------------------------------------------------------------------------------------------
# Working days, same working day, calendar days, next month


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (sh(2026, 3, 2, 10, 0), 1, sh(2026, 3, 3, 17, 30)),  # arrival date is day 0
        (sh(2026, 3, 2, 20, 0), 1, sh(2026, 3, 3, 17, 30)),  # at night: still day 0
        (sh(2026, 3, 3, 7, 0), 1, sh(2026, 3, 4, 17, 30)),  # before hours: day 0 too
        (sh(2026, 3, 7, 10, 0), 1, sh(2026, 3, 9, 17, 30)),  # Saturday: Monday is day 1
        (sh(2026, 3, 2, 10, 0), 5, sh(2026, 3, 9, 17, 30)),
        (sh(2026, 2, 13, 10, 0), 1, sh(2026, 2, 14, 17, 30)),  # lands on the make-up Saturday
        (sh(2026, 2, 13, 10, 0), 2, sh(2026, 2, 24, 17, 30)),  # skips Spring Festival
        (sh(2026, 2, 16, 10, 0), 1, sh(2026, 2, 24, 17, 30)),  # arrives on a holiday
        (sh(2026, 2, 12, 10, 0), 15, sh(2026, 3, 11, 17, 30)),  # 13,14,24..28(Sat 28),3-2..6,9..11
        (sh(2025, 9, 26, 10, 0), 1, sh(2025, 9, 28, 17, 30)),  # make-up Sunday 2025-09-28
        (sh(2025, 9, 30, 10, 0), 1, sh(2025, 10, 9, 17, 30)),  # skips National Day 2025
        (sh(2025, 10, 10, 10, 0), 1, sh(2025, 10, 11, 17, 30)),  # make-up Saturday 2025-10-11
        (sh(2026, 9, 18, 10, 0), 1, sh(2026, 9, 20, 17, 30)),  # make-up Sunday 2026-09-20
        (sh(2026, 9, 30, 10, 0), 1, sh(2026, 10, 8, 17, 30)),  # skips National Day 2026
        (sh(2026, 10, 9, 10, 0), 1, sh(2026, 10, 10, 17, 30)),  # make-up Saturday 2026-10-10
        (sh(2025, 12, 31, 10, 0), 2, sh(2026, 1, 5, 17, 30)),  # 元旦 2026 off, Sun 01-04 works
    ],
)
def test_add_working_days(office, start, days, expected):
    assert office.add_working_days(start, days) == expected
    assert office.add(start, days, Unit.WORKING_DAYS) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2026, 3, 3, 7, 0), sh(2026, 3, 3, 17, 30)),
        (sh(2026, 3, 3, 12, 30), sh(2026, 3, 3, 17, 30)),  # lunch still counts as the same day
        (sh(2026, 3, 3, 17, 29), sh(2026, 3, 3, 17, 30)),
        (sh(2026, 3, 3, 17, 30), sh(2026, 3, 4, 17, 30)),  # after the last window: next working day
        (sh(2026, 3, 6, 20, 0), sh(2026, 3, 9, 17, 30)),
        (sh(2026, 2, 18, 10, 0), sh(2026, 2, 24, 17, 30)),
    ],
)
def test_same_working_day(office, start, expected):
    assert office.end_of_working_day(start) == expected
    assert office.add(start, 0, Unit.SAME_WORKING_DAY) == expected
    assert office.add_working_days(start, 0) == expected


def test_wall_clock_units_ignore_the_schedule(office):
    start = sh(2026, 2, 13, 10, 0)
    assert office.add(start, 30, Unit.MINUTES) == sh(2026, 2, 13, 10, 30)
    assert office.add(start, 24, Unit.HOURS) == sh(2026, 2, 14, 10, 0)
    assert office.add(start, 3, Unit.WORKING_HOURS) == sh(2026, 2, 13, 14, 30)
    # 15 calendar days: the 14th..28th; due by the end (24:00) of 02-28, holidays included.
    assert office.add(start, 15, Unit.CALENDAR_DAYS) == sh(2026, 3, 1, 0, 0)
    assert office.add(sh(2026, 1, 20, 9, 0), 5, Unit.NTH_OF_NEXT_MONTH) == sh(2026, 2, 6, 0, 0)
    assert office.add(sh(2026, 1, 31, 9, 0), 31, Unit.NTH_OF_NEXT_MONTH) == sh(2026, 3, 1, 0, 0)  # Feb clamps
    assert office.add(sh(2026, 12, 3, 9, 0), 10, "nth_of_next_month") == sh(2027, 1, 11, 0, 0)
    with pytest.raises(ValueError):
        office.add(start, 0, Unit.NTH_OF_NEXT_MONTH)
    with pytest.raises(ValueError):
        office.add(start, -1, Unit.WORKING_MINUTES)


# --------------------------------------------------------------------------------------------------
# Missing years, 24×7, own windows


def test_clock_into_an_unloaded_year_names_the_calendar_and_the_year(office):
    with pytest.raises(ScheduleMissing) as caught:
        office.add_working_minutes(sh(2026, 12, 31, 17, 0), 60)
    assert caught.value.calendar == "office" and caught.value.year == 2027
    assert "'office'" in str(caught.value) and "2027" in str(caught.value)
    assert office.add_working_minutes(sh(2026, 12, 31, 17, 0), 30) == sh(2026, 12, 31, 17, 30)
    with pytest.raises(ScheduleMissing, match="2027"):
        office.add_working_days(sh(2026, 12, 30, 10, 0), 5)
    with pytest.raises(ScheduleMissing, match="2027"):
        office.is_working(sh(2027, 1, 4, 10, 0))
    with pytest.raises(ScheduleMissing, match="2027"):
        office.next_working_instant(sh(2026, 12, 31, 18, 0))
    with pytest.raises(ScheduleMissing, match="2027"):
        office.working_minutes_between(sh(2026, 12, 1, 9, 0), sh(2027, 1, 5, 9, 0))
    with pytest.raises(ScheduleMissing, match="2024"):
        office.add_working_minutes(sh(2024, 12, 31, 10, 0), 60)


def test_a_gap_year_between_loaded_years_is_not_skipped():
    engine = WorkingTime(label="region", weekly={d: OFFICE_WINDOWS for d in range(5)}, years=(2024, 2026))
    with pytest.raises(ScheduleMissing) as caught:
        engine.add_working_minutes(sh(2024, 12, 31, 17, 0), 60)
    assert caught.value.year == 2025
    with pytest.raises(ScheduleMissing, match="2025"):
        engine.add_working_days(sh(2024, 12, 31, 10, 0), 1)


def test_24x7_is_wall_clock_and_needs_no_schedule():
    engine = WorkingTime(label="24x7", is_24x7=True)
    start = sh(2027, 2, 6, 23, 50)
    assert engine.is_working(start)
    assert engine.add_working_minutes(start, 20) == sh(2027, 2, 7, 0, 10)
    assert engine.add(start, 2, Unit.WORKING_HOURS) == sh(2027, 2, 7, 1, 50)
    assert engine.working_minutes_between(start, sh(2027, 2, 7, 0, 10)) == 20
    assert engine.end_of_working_day(start) == sh(2027, 2, 7, 0, 0)
    assert engine.add_working_days(start, 2) == sh(2027, 2, 9, 0, 0)


def test_make_up_day_with_its_own_windows_and_a_shortened_weekday():
    engine = WorkingTime(
        label="branch",
        weekly={d: OFFICE_WINDOWS for d in range(5)},
        special={
            date(2026, 2, 14): DayRule("workday", ((time(9, 0), time(12, 0)),)),  # Saturday, mornings only
            date(2026, 2, 13): DayRule("workday", ((time(8, 30), time(12, 0)),)),  # Friday, half day
        },
        years=(2026,),
    )
    assert engine.add_working_minutes(sh(2026, 2, 13, 11, 0), 90) == sh(2026, 2, 14, 9, 30)
    assert engine.add_working_days(sh(2026, 2, 12, 10, 0), 2) == sh(2026, 2, 14, 12, 0)
    assert engine.end_of_working_day(sh(2026, 2, 13, 12, 30)) == sh(2026, 2, 14, 12, 0)


def test_windows_are_validated():
    assert parse_window("08:30-12:00") == (time(8, 30), time(12, 0))
    for bad in ("8:30", "12:00-08:30", "aa-bb"):
        with pytest.raises(ValueError):
            parse_window(bad)
    with pytest.raises(ValueError, match="overlap"):
        check_windows([(time(8, 30), time(12, 0)), (time(11, 0), time(14, 0))])
    assert check_windows([(time(13, 0), time(14, 0)), (time(8, 0), time(13, 0))])[0] == (time(8, 0), time(13, 0))
    with pytest.raises(ValueError, match="aware"):
        WorkingTime(label="x", years=(2026,)).is_working(sh(2026, 1, 5, 9).replace(tzinfo=None))


def test_other_time_zones_keep_wall_clock_windows():
    # A calendar for an overseas office: Berlin business hours across the DST change of 2026-03-29.
    engine = WorkingTime(
        label="berlin", time_zone="Europe/Berlin", weekly={d: OFFICE_WINDOWS for d in range(5)}, years=(2026,)
    )
    friday = engine.add_working_minutes(sh(2026, 3, 27, 23, 0), 120)  # from 16:00 Berlin (CET), Friday
    assert (friday.hour, friday.minute) == (9, 0) and friday.date() == date(2026, 3, 30)
    assert friday.utcoffset() == timedelta(hours=2)  # CEST after the change
