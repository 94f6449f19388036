"""Small fixes of issue 7: the calendar year view's impossible years, the favicon, the rulebook admin's
labels, the API docs out of the agents' main menu, the skip link and the message region."""

from pathlib import PurePath

import pytest
from django.urls import reverse

from kefu.calendars.models import WorkCalendar

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", [0, 1, 9999, 99999])
def test_calendar_year_view_answers_404_for_a_year_no_calendar_holds(client, org, calendars, year):
    """Year 0 and 99999 used to raise ValueError (500); 1 and 9999 have no weeks around them."""
    client.force_login(org.admin)
    calendar = WorkCalendar.objects.get(key="office")
    response = client.get(f"/admin/calendars/workcalendar/{calendar.pk}/year/{year}/")
    assert response.status_code == 404


def test_calendar_year_view_still_shows_a_real_year(client, org, calendars):
    client.force_login(org.admin)
    calendar = WorkCalendar.objects.get(key="office")
    assert client.get(f"/admin/calendars/workcalendar/{calendar.pk}/year/2026/").status_code == 200


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith(".svg")
    assert client.get(response["Location"]).status_code == 200


def test_rulebook_admin_says_who_loaded_a_version_in_chinese_without_path_or_hash(client, org, rulebooks):
    from kefu.rulebooks.models import Rulebook

    client.force_login(org.admin)
    book = Rulebook.objects.get(key="service-complaint")
    html = client.get(reverse("admin:rulebooks_rulebook_change", args=[book.pk])).content.decode()
    assert "加载人" in html and "LOADED BY" not in html.upper().replace("加载人", "")
    version = book.versions.first()
    assert version.sha256 not in html
    folder = str(PurePath(version.source_name).parent)
    assert folder in ("", ".") or folder not in html  # the file's name, not the server's folder
    assert PurePath(version.source_name).name in html


def test_api_docs_are_in_the_help_menu_not_the_main_menu(client, org):
    client.force_login(org.agent)
    html = client.get(reverse("web:queue")).content.decode()
    nav = html.split('<nav class="mainnav"')[1].split("</nav>")[0]
    assert reverse("api-docs") not in nav
    assert reverse("api-docs") in html.split('class="helpmenu"')[1].split("</details>")[0]


def test_skip_link_and_a_status_region_around_the_messages(client, org, make_case):
    client.force_login(org.agent)
    html = client.get(reverse("web:queue")).content.decode()
    assert '<a class="skip-link" href="#main">跳到正文</a>' in html
    assert 'id="main"' in html
    assert 'role="status">' in html and '<ul class="messages" role="status">' not in html


def test_rulebook_admin_shows_steps_clocks_chains_and_ladders_in_words(client, org, rulebooks):
    """The service-complaint preset's compensation chain reads 部门经理 (≤ ¥2,000) → 副总经理 (≤ ¥20,000)
    → 总经理, and its steps name who may take them."""
    from kefu.rulebooks.models import Rulebook

    client.force_login(org.admin)
    book = Rulebook.objects.get(key="service-complaint")
    html = client.get(reverse("admin:rulebooks_rulebook_change", args=[book.pk])).content.decode()
    assert "部门经理 (≤ ¥2,000) → 副总经理 (≤ ¥20,000) → 总经理" in html
    assert "<td>投诉成立</td><td>已受理</td><td>已转部门</td>" in html
    assert "working_days" not in html.split('class="kefu-rulebook"')[1]
