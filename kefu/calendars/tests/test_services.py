"""Loading the official schedule, the YAML year file, the engine cache, the command and the admin."""

from datetime import date, time
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from kefu.calendars.engine import ScheduleMissing
from kefu.calendars.models import CalendarYear, DayKind, SpecialDay, WeeklyWindow, WorkCalendar, YearSource
from kefu.calendars.official import OFFICE_WINDOWS
from kefu.calendars.selectors import working_time_for
from kefu.calendars.services import (
    calendar_create,
    calendar_create_defaults,
    calendar_load_official_year,
    calendar_set_weekly_windows,
    calendar_year_export,
    calendar_year_import,
)
from kefu.calendars.yearfile import YearFileError
from kefu.core.exceptions import ApplicationError

from .conftest import sh

pytestmark = pytest.mark.django_db

MAKE_UP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20)]
MAKE_UP_2026.append(date(2026, 10, 10))

YEAR_2027 = """\
year: 2027
notice: 国务院办公厅关于2027年部分节假日安排的通知（示例）
holidays:
- {date: 2027-01-01, name: 元旦}
- {from: 2027-02-06, to: 2027-02-12, name: 春节}
workdays:
- {date: 2027-02-13, name: 春节}
- date: 2027-02-20
  name: 春节
  windows: ["09:00-12:00"]
"""


@pytest.fixture
def office() -> WorkCalendar:
    with time_machine.travel(sh(2026, 11, 23, 10, 0), tick=False):
        return calendar_create_defaults()[0]


def special(calendar: WorkCalendar, year: int) -> list[tuple]:
    return [
        (d.date, d.kind, d.name, [(w.start, w.end) for w in d.windows.all()])
        for d in SpecialDay.objects.filter(calendar=calendar, date__year=year).prefetch_related("windows")
    ]


def test_defaults_load_the_official_years_the_package_knows(office):
    assert set(office.years.values_list("year", "source")) == {(2025, "chinesecalendar"), (2026, "chinesecalendar")}
    assert sorted(office.weekly_windows.values_list("weekday", flat=True)) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    workdays = SpecialDay.objects.filter(calendar=office, kind=DayKind.WORKDAY, date__year=2026)
    assert [d.date for d in workdays] == MAKE_UP_2026
    festival = SpecialDay.objects.filter(calendar=office, kind=DayKind.HOLIDAY, name="春节", date__year=2026)
    assert [d.date.day for d in festival] == list(range(15, 24))
    assert WorkCalendar.objects.get(key="24x7").is_24x7
    with time_machine.travel(sh(2026, 11, 23, 10, 0), tick=False):
        calendar_create_defaults()  # idempotent: nothing duplicated, edits kept
    assert SpecialDay.objects.filter(calendar=office).count() == len(special(office, 2025)) + len(special(office, 2026))


def test_deadlines_through_the_database_calendar(office):
    engine = working_time_for(office)
    assert engine.add_working_days(sh(2026, 2, 13, 10, 0), 2) == sh(2026, 2, 24, 17, 30)
    assert working_time_for(office) is engine  # cached per process while nothing changes
    with pytest.raises(ScheduleMissing, match="'office' has no working schedule for 2027"):
        engine.add_working_days(sh(2026, 12, 30, 10, 0), 5)


def test_2027_is_refused_by_the_package_and_entered_as_a_year_file(office):
    with pytest.raises(ApplicationError, match="no official schedule for 2027.*YAML"):
        calendar_load_official_year(calendar=office, year=2027)
    assert not office.years.filter(year=2027).exists()
    before = working_time_for(office)

    loaded = calendar_year_import(calendar=office, text=YEAR_2027, source_name="2027.yaml")
    assert (loaded.year, loaded.source, loaded.source_name) == (2027, YearSource.YAML, "2027.yaml")
    engine = working_time_for(office)
    assert engine is not before  # the import bumped the version stamp
    assert engine.add_working_days(sh(2026, 12, 30, 10, 0), 5) == sh(2027, 1, 7, 17, 30)  # 31, 4, 5, 6, 7
    assert engine.add_working_days(sh(2027, 2, 5, 10, 0), 1) == sh(2027, 2, 13, 17, 30)  # make-up Saturday
    assert engine.end_of_working_day(sh(2027, 2, 20, 7, 0)) == sh(2027, 2, 20, 12, 0)  # its own window
    with pytest.raises(ScheduleMissing, match="2028"):
        engine.add_working_days(sh(2027, 12, 30, 10, 0), 5)


def test_export_import_round_trip(office):
    text = calendar_year_export(calendar=office, year=2026)
    assert "- {from: 2026-02-15, to: 2026-02-23, name: 春节}" in text
    assert "- {date: 2026-02-14, name: 春节}" in text
    region = calendar_create(key="region", name="华东区域", weekly={d: OFFICE_WINDOWS for d in range(5)})
    calendar_year_import(calendar=region, text=text, source_name="office-2026.yaml")
    assert special(region, 2026) == special(office, 2026)
    assert calendar_year_export(calendar=region, year=2026).splitlines()[3:] == text.splitlines()[3:]
    calendar_year_import(calendar=region, text=YEAR_2027, source_name="2027.yaml")
    assert "windows: ['09:00-12:00']" in calendar_year_export(calendar=region, year=2027)
    for key in ("office", "region"):
        engine = working_time_for(WorkCalendar.objects.get(key=key))
        assert engine.add_working_minutes(sh(2026, 2, 13, 17, 0), 60) == sh(2026, 2, 14, 9, 0)


def test_reimport_replaces_the_year_and_leaves_other_years(office):
    calendar_year_import(
        calendar=office, text="year: 2026\nholidays:\n- {date: 2026-03-02, name: 测试}\n", source_name="x.yaml"
    )
    assert special(office, 2026) == [(date(2026, 3, 2), "holiday", "测试", [])]
    assert len(special(office, 2025)) > 20
    assert office.years.get(year=2026).source == YearSource.YAML
    calendar_load_official_year(calendar=office, year=2026)
    assert [d for d, kind, *_ in special(office, 2026) if kind == "workday"] == MAKE_UP_2026


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "year: 2027\nholidays:\n- {date: 2027-02-30, name: 春节}\n",
            "line 3, holidays[0].date: '2027-02-30' is not a date",
        ),
        ("year: 2027\nholidays:\n- {date: 2026-12-31}\n", "line 3, holidays[0].date: 2026-12-31 is not in 2027"),
        (
            "year: 2027\nworkdays:\n- date: 2027-02-13\n  windows: [09:00-12:00, 11:00-14:00]\n",
            "line 4, workdays[0].windows: windows 09:00-12:00 and 11:00-14:00 overlap",
        ),
        (
            "year: 2027\nworkdays:\n- {date: 2027-02-13, windows: [9-12]}\n",
            "line 3, workdays[0].windows[0]: '9-12' is not a window",
        ),
        (
            "year: 2027\nholidays:\n- {date: 2027-01-01}\nworkdays:\n- {date: 2027-01-01}\n",
            "line 5, workdays[0]: 2027-01-01 is already listed at holidays[0]",
        ),
        (
            "year: 2027\nholidays:\n- {from: 2027-02-12, to: 2027-02-06}\n",
            "holidays[0].to: 2027-02-06 is before 2027-02-12",
        ),
        ("year: 2027\nholiday: []\n", "line 2, (top): unknown key 'holiday'"),
        ("holidays: []\n", "year: missing"),
        ("year: next\n", "line 1, year: 'next' is not a year"),
        ("year: 2027\nholidays: [\n", "not valid YAML"),
    ],
)
def test_import_errors_name_the_line_and_change_nothing(office, text, message):
    before = special(office, 2026), special(office, 2027), list(CalendarYear.objects.values_list("year", "source"))
    with pytest.raises(YearFileError) as caught:
        calendar_year_import(calendar=office, text=text, source_name="bad.yaml")
    assert message in caught.value.message
    assert caught.value.message.startswith("bad.yaml: the year file was refused, nothing was changed")
    after = special(office, 2026), special(office, 2027), list(CalendarYear.objects.values_list("year", "source"))
    assert after == before


def test_import_reports_every_error_at_once(office):
    text = "year: 2027\nholidays:\n- {date: 2027-13-01}\n- {date: 2027-01-01, colour: red}\n"
    with pytest.raises(YearFileError) as caught:
        calendar_year_import(calendar=office, text=text, source_name="bad.yaml")
    assert len(caught.value.errors) == 2


def test_weekly_windows_are_validated(office):
    with pytest.raises(ApplicationError, match="overlap"):
        calendar_set_weekly_windows(
            calendar=office, weekly={0: [(time(8, 30), time(12, 0)), (time(11, 0), time(13, 0))]}
        )
    window = WeeklyWindow(calendar=office, weekday=0, start=time(11, 0), end=time(14, 0))
    with pytest.raises(ValidationError, match="overlap"):
        window.clean()
    with pytest.raises(ValidationError):
        calendar_create(key="mars", name="火星", time_zone="Mars/Olympus")
    stamp = office.updated_at
    calendar_set_weekly_windows(calendar=office, weekly={d: [(time(9, 0), time(17, 0))] for d in range(6)})
    assert WorkCalendar.objects.get(pk=office.pk).updated_at > stamp
    assert working_time_for(office).add_working_minutes(sh(2026, 3, 6, 16, 0), 120) == sh(2026, 3, 7, 10, 0)


def test_command(office, tmp_path):
    out = StringIO()
    call_command("calendar", "export", "office", "2026", "-o", str(tmp_path / "2026.yaml"), stdout=out)
    (tmp_path / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    call_command("calendar", "import", "office", str(tmp_path / "2027.yaml"), stdout=out)
    assert "office 2027: imported" in out.getvalue()
    call_command("calendar", "export", "office", "2027", stdout=out)
    assert "{from: 2027-02-06, to: 2027-02-12, name: 春节}" in out.getvalue()
    with pytest.raises(CommandError, match="no official schedule for 2028"):
        call_command("calendar", "load-year", "office", "2028")
    with pytest.raises(CommandError, match="No working calendar 'nowhere'"):
        call_command("calendar", "load-year", "nowhere", "2026")
    (tmp_path / "bad.yaml").write_text("year: 2027\nholidays: 3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2, holidays: expected a list"):
        call_command("calendar", "import", "office", str(tmp_path / "bad.yaml"))
    call_command("calendar", "load-year", "office", "2024", stdout=out)
    assert office.years.filter(year=2024, source="chinesecalendar").exists()


def test_admin_year_view_and_special_day_list(office, admin_client):
    response = admin_client.get(reverse("admin:calendars_workcalendar_year", args=[office.pk, 2026]))
    assert response.status_code == 200
    html = response.content.decode()
    for day in MAKE_UP_2026:
        assert f'class="makeup" data-date="{day}"' in html
    assert 'class="holiday" data-date="2026-02-16"' in html
    assert 'class="off" data-date="2026-02-07"' in html
    assert 'class="working" data-date="2026-02-13"' in html
    missing = admin_client.get(reverse("admin:calendars_workcalendar_year", args=[office.pk, 2027]))
    assert '<p class="errornote">' in missing.content.decode()  # no schedule loaded for 2027
    listing = admin_client.get(reverse("admin:calendars_specialday_changelist") + "?year=2026&kind=workday")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 6
    change = admin_client.get(reverse("admin:calendars_workcalendar_change", args=[office.pk]))
    assert change.status_code == 200
    assert reverse("admin:calendars_workcalendar_year", args=[office.pk, 2026]) in change.content.decode()
