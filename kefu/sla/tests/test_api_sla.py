"""REST: a case's clocks, extending one, the inbox and the board, with their permission checks."""

from __future__ import annotations

import pytest
import time_machine

from kefu.sla.models import Clock, Notification
from kefu.sla.tests.ui_helpers import add_clock, at, clear_clocks

pytestmark = pytest.mark.django_db

NOW = at(2025, 6, 10, 11, 0)


@pytest.fixture
def case(make_case):
    case = make_case()
    clear_clocks(case)
    return case


def clocks_url(case):
    return f"/api/v1/cases/{case.pk}/clocks/"


@time_machine.travel(NOW, tick=False)
def test_clocks_with_time_left(api, org, case):
    clock = add_clock(case, deadline=at(2025, 6, 10, 15, 50), warn_at=at(2025, 6, 10, 14))
    response = api(org.agent).get(clocks_url(case))
    assert response.status_code == 200
    mine = next(c for c in response.json() if c["id"] == clock.pk)
    assert mine["minutes_left"] == 200 and mine["state"] == "ok" and mine["working_measure"] is True
    assert mine["notices"] == []


def test_clocks_permissions(api, org, case, make_case):
    assert api(org.outsider).get(clocks_url(case)).status_code == 404
    assert api(None).get(clocks_url(case)).status_code in (401, 403)
    assert api(org.agent).get("/api/v1/cases/999999999/clocks/").status_code == 404
    assert api(org.agent).get("/api/v1/cases/abc/clocks/").status_code == 404
    about = make_case(subject_person=org.supervisor, actor=org.agent)
    assert api(org.supervisor).get(clocks_url(about)).status_code == 404


@pytest.fixture
def power_case(make_case):
    case = make_case(rulebook_key="power-supply", category="service_code", severity="special")
    clear_clocks(case)
    return case


def test_extend_through_the_api(api, org, make_case):
    # The real service on a real especially complex power-supply case (篇10 第九条: only those may be
    # extended): 10 working days, extendable by 20 more.
    with time_machine.travel(at(2025, 6, 10, 11, 0), tick=False):
        power = make_case(rulebook_key="power-supply", category="service_code", severity="special")
        clock = Clock.objects.get(case=power, key="close", status="running")
        before = clock.deadline
        url = f"/api/v1/cases/{power.pk}/clocks/{clock.pk}/extend/"
        body = {"version": power.version, "amount": 2, "unit": "working_days", "reason": "外部取证"}
        ok = api(org.gm).post(url, body, format="json")
        assert ok.status_code == 200 and ok.json()["extended_minutes"] == 900
        clock.refresh_from_db()
        assert clock.deadline > before
        assert api(org.gm).post(url, body, format="json").status_code == 409  # same version again: stale
        power.refresh_from_db()
        fresh = {**body, "version": power.version}
        assert api(org.agent).post(url, fresh, format="json").status_code == 403  # sees the case, may not extend
        assert api(org.gm).post(url, {**fresh, "amount": 0}, format="json").status_code == 400
        assert api(org.gm).post(url, {**fresh, "amount": 19}, format="json").status_code == 400  # over the maximum
        assert api(org.outsider).post(url, fresh, format="json").status_code == 404
        assert api(None).post(url, fresh, format="json").status_code in (401, 403)
        other = make_case()
        other_clock = Clock.objects.filter(case=other).first()
        assert api(org.gm).post(f"/api/v1/cases/{power.pk}/clocks/{other_clock.pk}/extend/", fresh).status_code == 404
        clock.refresh_from_db()
        assert clock.extended_minutes == 900


# --------------------------------------------------------------------------------------------------
# Notifications and board


def test_notifications_are_own_only_and_can_be_marked_read(api, org, case):
    mine = Notification.objects.create(recipient=org.agent, case=case, kind="overdue", title="催办单")
    theirs = Notification.objects.create(recipient=org.agent2, case=case, kind="warning", title="提醒")
    listing = api(org.agent).get("/api/v1/notifications/")
    assert listing.status_code == 200
    assert [n["id"] for n in listing.json()["results"]] == [mine.pk]
    assert listing.json()["results"][0]["case"] == {"id": case.pk, "number": case.number}
    assert api(org.agent).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api(org.agent).post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 204
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert api(org.agent).get("/api/v1/notifications/", {"unread": "1"}).json()["results"] == []
    assert api(org.agent2).post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api(None).get("/api/v1/notifications/").status_code in (401, 403)


@time_machine.travel(NOW, tick=False)
def test_board_api(api, org, case):
    add_clock(case, deadline=at(2025, 6, 9, 17), escalation_level=1)
    assert api(org.agent).get("/api/v1/board/").status_code == 403
    assert api(None).get("/api/v1/board/").status_code in (401, 403)
    body = api(org.gm).get("/api/v1/board/").json()
    rows = [row for g in body["groups"] for row in g["rows"]]
    assert [r["case_number"] for r in rows] == [case.number]
    assert rows[0]["clock"]["state"] == "overdue" and rows[0]["clock"]["minutes_left"] == -180
    assert body["truncated"] is False
    assert api(org.outsider_supervisor).get("/api/v1/board/").json()["groups"] == []
