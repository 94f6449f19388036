"""Deadlines on the screens: time left in working time, state colours, the queue's column and sort,
the case page's panel with its extension and classification forms."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kefu.sla.choices import ClockStatus, NoticeKind
from kefu.sla.models import Clock, ClockNotice
from kefu.sla.selectors import clock_state, clock_time_left, next_deadline_for_cases
from kefu.sla.tests.ui_helpers import add_clock, at, clear_clocks
from kefu.web.deadlines import time_left_text

pytestmark = pytest.mark.django_db

NOW = at(2025, 6, 10, 11, 0)  # a Tuesday morning, an ordinary working week


def case_url(case):
    return reverse("web:case", kwargs={"number": case.number})


@pytest.fixture
def case(make_case):
    case = make_case()
    clear_clocks(case)
    return case


# --------------------------------------------------------------------------------------------------
# Time left and state


@time_machine.travel(NOW, tick=False)
def test_working_time_left_counts_lunch_out(case):
    clock = add_clock(case, deadline=at(2025, 6, 10, 15, 50), warn_at=at(2025, 6, 10, 14, 0))
    # 11:00–12:00 and 13:30–15:50: 200 working minutes; the wall clock would say 4 h 50 min.
    assert clock_time_left(clock, NOW) == 200
    assert clock_state(clock, NOW) == "ok"
    with translation.override("zh-hans"):
        assert time_left_text(200, working=True) == "剩余 3小时20分（工作时间）"
    with translation.override("en"):
        assert time_left_text(200, working=True) == "3 h 20 min left (working time)"


@time_machine.travel(NOW, tick=False)
def test_overdue_across_the_night_in_working_time_and_wall_time(case):
    working = add_clock(case, deadline=at(2025, 6, 9, 17, 0))
    wall = add_clock(case, "hotline", deadline=at(2025, 6, 9, 9, 0), working=False, label="回电")
    # Working: 17:00–17:30 yesterday and 08:30–11:00 today; the night does not count.
    assert clock_time_left(working, NOW) == -180
    assert clock_time_left(wall, NOW) == -(26 * 60)
    assert clock_state(working, NOW) == clock_state(wall, NOW) == "overdue"
    with translation.override("zh-hans"):
        assert time_left_text(-180, working=True) == "超时 3小时（工作时间）"
        assert time_left_text(-(26 * 60), working=False) == "超时 1天2小时"


def test_states(case):
    now = NOW
    assert clock_state(add_clock(case, "a", deadline=at(2025, 6, 12, 9), warn_at=at(2025, 6, 11, 9)), now) == "ok"
    assert clock_state(add_clock(case, "b", deadline=at(2025, 6, 11, 9), warn_at=at(2025, 6, 10, 9)), now) == "warning"
    assert clock_state(add_clock(case, "c", deadline=at(2025, 6, 10, 9)), now) == "overdue"
    paused = add_clock(case, "d", deadline=None, status=ClockStatus.PAUSED, allowed_minutes=900, used_minutes=300)
    assert clock_state(paused, now) == "paused"
    assert clock_time_left(paused, now) == 600
    assert clock_state(add_clock(case, "e", deadline=None), now) == "no_schedule"
    assert clock_time_left(add_clock(case, "f", deadline=None), now) is None
    met = add_clock(case, "g", deadline=at(2025, 6, 10, 15), status=ClockStatus.MET, stopped_at=at(2025, 6, 10, 14))
    assert clock_state(met, now) == "met"
    assert clock_time_left(met, now) == 60


# --------------------------------------------------------------------------------------------------
# Queue


@time_machine.travel(NOW, tick=False)
def test_queue_shows_coloured_deadlines(client, org, make_case):
    cases = [make_case(title=f"工单 {i}") for i in range(4)]
    for c in cases:
        clear_clocks(c)
    add_clock(cases[0], deadline=at(2025, 6, 10, 15, 50), warn_at=at(2025, 6, 10, 14))
    add_clock(cases[1], deadline=at(2025, 6, 11, 9), warn_at=at(2025, 6, 10, 9))
    add_clock(cases[2], deadline=at(2025, 6, 9, 9), working=False, label="回电")
    add_clock(cases[3], deadline=None, status=ClockStatus.PAUSED, allowed_minutes=900, used_minutes=300)
    client.force_login(org.agent)
    html = client.get(reverse("web:queue")).content.decode()
    assert "剩余 3小时20分（工作时间）" in html
    assert "超时 1天2小时" in html
    for state in ("dl-ok", "dl-warning", "dl-overdue", "dl-paused"):
        assert state in html
    # The paused clock keeps 600 working minutes: one 450-minute working day (8:30–12:00, 13:30–17:30)
    # and 150 minutes, said as a person says it.
    assert "剩余 1个工作日2小时" in html


@time_machine.travel(NOW, tick=False)
def test_queue_sorts_by_nearest_deadline(client, org, make_case):
    late, early, none = make_case(title="晚"), make_case(title="早"), make_case(title="无")
    for c in (late, early, none):
        clear_clocks(c)
    add_clock(late, deadline=at(2025, 6, 20, 9))
    add_clock(late, "close", deadline=at(2025, 6, 19, 9))  # the nearest of the case's clocks counts
    add_clock(early, deadline=at(2025, 6, 12, 9))
    client.force_login(org.agent)
    numbers = [c.number for c in client.get(reverse("web:queue"), {"sort": "deadline"}).context["page"].object_list]
    assert numbers == [early.number, late.number, none.number]
    numbers = [c.number for c in client.get(reverse("web:queue"), {"sort": "-deadline"}).context["page"].object_list]
    assert numbers[:2] == [late.number, early.number]
    assert next_deadline_for_cases([late.pk])[late.pk].key == "close"


def _queue_queries(client, sort):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("web:queue"), {"sort": sort})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("sort", ["-received", "deadline"])
def test_queue_deadline_column_costs_the_same_for_1_and_30_cases(
    client, org, make_case, django_assert_max_num_queries, sort
):
    first = make_case()
    clear_clocks(first)
    add_clock(first, deadline=at(2025, 6, 12, 9))
    add_clock(first, "hotline", deadline=at(2025, 6, 11, 9), working=False)
    client.force_login(org.agent)
    with time_machine.travel(NOW, tick=False):
        _queue_queries(client, sort)  # warm the per-process caches (session, rulebook, calendars)
        one, _ = _queue_queries(client, sort)
    for i in range(29):
        c = make_case(title=f"工单 {i}")
        clear_clocks(c)
        add_clock(c, deadline=at(2025, 6, 12, 9 + i % 8), warn_at=at(2025, 6, 10, 9))
        add_clock(c, "hotline", deadline=at(2025, 6, 11, 9), working=False)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(one):
        thirty, response = _queue_queries(client, sort)
    assert len(response.context["page"].object_list) == 30
    assert thirty == one


# --------------------------------------------------------------------------------------------------
# Case page


@time_machine.travel(NOW, tick=False)
def test_case_page_lists_every_clock_with_notices(client, org, case):
    clock = add_clock(case, deadline=at(2025, 6, 9, 17), escalation_level=2, rule="complaint.reply: 2 working_days")
    ClockNotice.objects.create(clock=clock, kind=NoticeKind.OVERDUE, level=0, fired_at=at(2025, 6, 9, 17))
    ClockNotice.objects.create(clock=clock, kind=NoticeKind.ESCALATION, level=2, fired_at=at(2025, 6, 10, 10))
    add_clock(case, "done", label="开始调查", deadline=at(2025, 6, 9, 12), status=ClockStatus.MET, stopped_at=NOW)
    client.force_login(org.agent)
    html = client.get(case_url(case)).content.decode()
    assert 'id="deadlines"' in html
    assert "满意答复" in html and "开始调查" in html
    assert "complaint.reply: 2 working_days" in html
    assert "超时 3小时（工作时间）" in html
    assert "dl-row-overdue" in html and "dl-met" in html
    assert "notice-escalation" in html and "notice-overdue" in html
    # The agent's role may not extend in the preset: no extension form.
    assert "/extend/" not in html


@pytest.fixture
def power_case(make_case, org):
    case = make_case(rulebook_key="power-supply", category="service_code", severity="special")
    clear_clocks(case)
    return case


@time_machine.travel(NOW, tick=False)
def test_extension_form_only_for_the_rulebooks_roles(client, org, power_case):
    add_clock(power_case, "close", label="办结", deadline=at(2025, 6, 16, 17, 30), unit="working_days", amount=5)
    client.force_login(org.agent)
    assert "/extend/" not in client.get(case_url(power_case)).content.decode()
    client.force_login(org.gm)
    html = client.get(case_url(power_case)).content.decode()
    assert "/extend/" in html and "x" in html


def test_extension_moves_the_deadline_and_shows_refusals(client, org, make_case):
    # Real services on a real power-supply case: especially complex (篇10 第九条, the only grade that may be
    # extended): 10 working days to conclude, extendable by 20 more.
    with time_machine.travel(NOW, tick=False):
        power = make_case(rulebook_key="power-supply", category="service_code", severity="special")
        clock = Clock.objects.get(case=power, key="close", status=ClockStatus.RUNNING)
        before = clock.deadline
        url = reverse("web:case_extend", kwargs={"number": power.number, "clock_id": clock.pk})
        data = {f"x{clock.pk}-unit": "working_days"}
        client.force_login(org.gm)
        response = client.post(
            url,
            {
                **data,
                f"x{clock.pk}-version": power.version,
                f"x{clock.pk}-amount": 3,
                f"x{clock.pk}-reason": "需外部取证",
            },
        )
        assert response.status_code == 302
        clock.refresh_from_db()
        power.refresh_from_db()
        assert clock.deadline > before and clock.extended_minutes == 3 * 450
        assert power.events.last().kind == "deadline"
        response = client.post(
            url,
            {**data, f"x{clock.pk}-version": power.version, f"x{clock.pk}-amount": 30, f"x{clock.pk}-reason": "太长"},
        )
        assert response.status_code == 400  # beyond the rulebook's maximum: a form error, nothing moves
        assert Clock.objects.get(pk=clock.pk).extended_minutes == 3 * 450
        stale = {
            **data,
            f"x{clock.pk}-version": power.version - 1,
            f"x{clock.pk}-amount": 1,
            f"x{clock.pk}-reason": "x",
        }
        response = client.post(url, stale, follow=True)
        assert "其他人刚刚修改了此工单" in response.content.decode()
        client.force_login(org.agent)  # may see the case, may not extend
        response = client.post(
            url, {**data, f"x{clock.pk}-version": power.version, f"x{clock.pk}-amount": 1, f"x{clock.pk}-reason": "x"}
        )
        assert response.status_code == 400
        assert Clock.objects.get(pk=clock.pk).extended_minutes == 3 * 450


def test_extension_of_a_clock_of_another_case_is_404(client, org, power_case, make_case):
    other = make_case()
    clock = add_clock(other, "close", deadline=at(2025, 6, 16, 17, 30))
    client.force_login(org.gm)
    url = reverse("web:case_extend", kwargs={"number": power_case.number, "clock_id": clock.pk})
    assert client.post(url, {}).status_code == 404


def test_classification_change_recomputes_the_deadlines(client, org, make_case):
    with time_machine.travel(NOW, tick=False):
        complaint = make_case()
        start = Clock.objects.get(case=complaint, key="start_investigation", status=ClockStatus.RUNNING)
        client.force_login(org.agent)  # the owner
        assert "/classification/" in client.get(case_url(complaint)).content.decode()
        url = reverse("web:case_classify", kwargs={"number": complaint.number})
        data = {
            "cls-version": complaint.version,
            "cls-category": "attitude",
            "cls-severity": "major",
            "cls-reason": "升级",
        }
        assert client.post(url, {**data, "cls-reason": ""}).status_code == 400
        assert client.post(url, data).status_code == 302
        complaint.refresh_from_db()
        assert complaint.severity == "major"
        start = Clock.objects.get(case=complaint, key="start_investigation", status=ClockStatus.RUNNING)
        assert start.unit == "working_hours" and start.amount == 4  # the rulebook's variant for major
        response = client.post(url, {**data, "cls-severity": "normal"})  # the version is stale now
        assert response.status_code == 409  # the fresh case, with the choice and the reason kept
        assert "升级</textarea>" in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.severity == "major"
