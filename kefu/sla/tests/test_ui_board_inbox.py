"""The overdue/escalation board (who may see it, and what) and the in-app inbox."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from kefu.cases.services import case_transition
from kefu.sla.models import Notification
from kefu.sla.selectors import overdue_board
from kefu.sla.tests.ui_helpers import add_clock, at, clear_clocks

pytestmark = pytest.mark.django_db

NOW = at(2025, 6, 10, 11, 0)


def route(case, org, unit):
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=case.version, data={})
    return case_transition(
        case=case, actor=org.agent, transition="route", expected_version=case.version, data={"unit": unit.pk}
    )


@pytest.fixture
def board_cases(org, make_case):
    """An overdue case routed to after-sales, a due-soon one routed to the other city, one on track,
    and an overdue one that complains about the after-sales supervisor."""
    ours = route(make_case(title="售后超时"), org, org.aftersales)
    theirs = route(make_case(title="宁波临期"), org, org.other_dept)
    calm = route(make_case(title="正常"), org, org.aftersales)
    about = route(make_case(title="投诉主管", subject_person=org.supervisor), org, org.aftersales)
    for c in (ours, theirs, calm, about):
        clear_clocks(c)
    add_clock(ours, deadline=at(2025, 6, 9, 17), escalation_level=2)
    add_clock(theirs, deadline=at(2025, 6, 11, 9), warn_at=at(2025, 6, 10, 9))
    add_clock(calm, deadline=at(2025, 6, 20, 9), warn_at=at(2025, 6, 19, 9))
    add_clock(about, deadline=at(2025, 6, 9, 9))
    return {"ours": ours, "theirs": theirs, "calm": calm, "about": about}


def numbers(groups):
    return [row["case"].number for g in groups for row in g.rows]


def test_board_is_for_supervisors_managers_and_all_seeing_roles(client, org, board_cases):
    for user, expected in [(org.agent, 403), (org.handler, 403), (org.supervisor, 200), (org.manager, 200)]:
        client.force_login(user)
        assert client.get(reverse("web:board")).status_code == expected, user
    client.force_login(org.gm)
    html = client.get(reverse("web:queue")).content.decode()
    assert reverse("web:board") in html
    client.force_login(org.agent)
    assert reverse("web:board") not in client.get(reverse("web:queue")).content.decode()


def test_supervisor_sees_their_subtree_and_never_the_case_about_them(org, board_cases):
    groups, truncated = overdue_board(org.supervisor, NOW)
    assert numbers(groups) == [board_cases["ours"].number]
    assert not truncated
    assert groups[0].unit == org.aftersales and groups[0].overdue == 1 and groups[0].max_level == 2


def test_general_manager_sees_everything_due_ordered_by_deadline(org, board_cases):
    groups, _ = overdue_board(org.gm, NOW)
    assert numbers(groups) == [board_cases["about"].number, board_cases["ours"].number, board_cases["theirs"].number]
    assert [g.unit for g in groups] == [org.aftersales, org.other_dept]
    assert groups[1].warning == 1


def test_board_query_count_does_not_grow_with_rows(org, board_cases, make_case, django_assert_max_num_queries):
    overdue_board(org.gm, NOW)
    for i in range(20):
        c = make_case(title=f"超时 {i}")
        clear_clocks(c)
        add_clock(c, deadline=at(2025, 6, 9, 9 + i % 8))
    with django_assert_max_num_queries(4):
        groups, _ = overdue_board(org.gm, NOW)
    assert sum(len(g.rows) for g in groups) == 23


@time_machine.travel(NOW, tick=False)
def test_board_page_renders_rows(client, org, board_cases):
    client.force_login(org.supervisor)
    html = client.get(reverse("web:board")).content.decode()
    assert board_cases["ours"].number in html
    assert board_cases["about"].number not in html
    assert board_cases["theirs"].number not in html
    assert "dl-overdue" in html


# --------------------------------------------------------------------------------------------------
# Inbox


@pytest.fixture
def notes(org, make_case):
    case = make_case()
    mine = [
        Notification.objects.create(
            recipient=org.agent, case=case, kind="overdue", title=f"催办单 {i}", body="请尽快处理"
        )
        for i in range(3)
    ]
    theirs = Notification.objects.create(recipient=org.agent2, case=case, kind="warning", title="别人的提醒")
    return {"mine": mine, "theirs": theirs, "case": case}


def test_inbox_shows_only_own_notifications_and_the_badge(client, org, notes):
    client.force_login(org.agent)
    response = client.get(reverse("web:inbox"))
    html = response.content.decode()
    assert "催办单 0" in html and "催办单 2" in html
    assert "别人的提醒" not in html
    assert '<span class="badge"' in html and ">3</span>" in html


def test_mark_one_and_all_read(client, org, notes):
    client.force_login(org.agent)
    first = notes["mine"][0]
    response = client.post(reverse("web:inbox_read", kwargs={"pk": first.pk}))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    # Someone else's notification is not found, and stays unread.
    assert client.post(reverse("web:inbox_read", kwargs={"pk": notes["theirs"].pk})).status_code == 404
    notes["theirs"].refresh_from_db()
    assert notes["theirs"].read_at is None
    assert client.get(reverse("web:inbox_read", kwargs={"pk": first.pk})).status_code == 405
    client.post(reverse("web:inbox_read_all"))
    assert not Notification.objects.filter(recipient=org.agent, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=org.agent2, read_at__isnull=True).count() == 1
    assert '<span class="badge"' not in client.get(reverse("web:inbox")).content.decode()


def test_inbox_needs_login(client, notes):
    assert client.get(reverse("web:inbox")).status_code == 302
    assert client.post(reverse("web:inbox_read_all")).status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 4
