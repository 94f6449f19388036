"""The calendar admin's "load the official calendar" button (issue 7: the warning that next year is
missing offered only a command line). The office calendar of the test site holds 2025 and 2026."""

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from kefu.calendars.models import CalendarYear, DayKind, WorkCalendar

pytestmark = pytest.mark.django_db


def _load(client, calendar, year):
    return client.post(reverse("admin:calendars_workcalendar_load_official", args=[calendar.pk]), {"year": year})


def test_the_change_page_offers_next_years_official_calendar(client, org, calendars):
    client.force_login(org.admin)
    office = WorkCalendar.objects.get(key="office")
    with time_machine.travel("2026-12-01 10:00 +0800", tick=False):
        html = client.get(reverse("admin:calendars_workcalendar_change", args=[office.pk])).content.decode()
    assert "载入 2027 年官方日历" in html
    assert 'name="year" value="2027"' in html


def test_a_year_the_package_knows_is_loaded_by_the_button(client, org, calendars):
    """2024 (国办发明电〔2023〕7号) is not loaded on this site; chinesecalendar knows it."""
    client.force_login(org.admin)
    office = WorkCalendar.objects.get(key="office")
    missing = client.get(reverse("admin:calendars_workcalendar_year", args=[office.pk, 2024])).content.decode()
    assert "载入 2024 年官方日历" in missing
    response = _load(client, office, 2024)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:calendars_workcalendar_year", args=[office.pk, 2024])
    assert CalendarYear.objects.filter(calendar=office, year=2024).exists()
    # 春节 2024: 02-10 … 02-17 off, 02-04 (Sun) and 02-18 (Sun) worked.
    days = {d.date.isoformat(): d.kind for d in office.special_days.filter(date__year=2024, date__month=2)}
    assert days["2024-02-12"] == DayKind.HOLIDAY and days["2024-02-18"] == DayKind.WORKDAY
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("2024 年官方日历已载入")


def test_a_year_the_package_does_not_know_changes_nothing_and_points_to_manual_entry(client, org, calendars):
    client.force_login(org.admin)
    office = WorkCalendar.objects.get(key="office")
    before = office.special_days.count()
    response = _load(client, office, 2031)
    assert response.status_code == 302
    assert not CalendarYear.objects.filter(calendar=office, year=2031).exists()
    assert office.special_days.count() == before
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "2031" in message and "kefu calendar import office" in message and "未作任何更改" in message


def test_only_people_who_may_change_calendars_can_load(client, org, calendars):
    client.force_login(org.agent)
    office = WorkCalendar.objects.get(key="office")
    response = _load(client, office, 2024)
    assert response.status_code in (302, 403)  # the admin sends non-staff to its login
    assert not CalendarYear.objects.filter(calendar=office, year=2024).exists()
