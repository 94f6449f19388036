"""Duty API and screens: rosters, check-in, swaps, handover, and who is on duty."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from kefu.duty.models import CheckIn, ShiftPattern, SwapRequest
from kefu.duty.services import roster_create, roster_fill_rotation, roster_publish

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def desk(org, rulebooks):
    pattern = ShiftPattern.objects.create(name="24小时班", code="day24", start=time(8), duration_minutes=1440)
    roster = roster_create(unit=org.service, month=date(2026, 3, 1), actor=org.cs_supervisor)
    shifts = roster_fill_rotation(
        roster=roster, pattern=pattern, people=[org.agent, org.agent2], actor=org.cs_supervisor
    )
    roster_publish(roster=roster, actor=org.cs_supervisor)
    return {"roster": roster, "shifts": shifts, "pattern": pattern}


def test_on_duty_endpoint(api, org, desk):
    response = api(org.handler).get(
        "/api/v1/duty/on-duty/", {"unit": org.service.pk, "at": "2026-03-02T03:00:00+08:00"}
    )
    assert [p["username"] for p in response.json()["people"]] == ["agent"]
    response = api(org.handler).get(
        "/api/v1/duty/on-duty/", {"unit": org.team.pk, "at": "2026-03-02T03:00:00+08:00", "nearest": "1"}
    )
    assert response.json()["people"] == []  # the team's chain (售后部, 杭州公司, …) has no roster


def test_roster_api_is_for_supervisors(api, org, desk):
    payload = {"unit": org.service.pk, "month": "2026-04-01"}
    assert api(org.agent).post("/api/v1/duty/rosters/", payload, format="json").status_code == 403
    assert api(org.cs_supervisor).post("/api/v1/duty/rosters/", payload, format="json").status_code == 201
    assert api(org.handler).get(f"/api/v1/duty/rosters/{desk['roster'].pk}/").status_code == 404


@time_machine.travel(datetime(2026, 3, 1, 7, 55, tzinfo=TZ), tick=False)
def test_check_in_and_swap_via_the_api(api, org, desk):
    first = desk["shifts"][0]
    response = api(org.agent).post(f"/api/v1/duty/shifts/{first.pk}/check-in/")
    assert response.status_code == 201 and response.json()["minutes_late"] == 5
    later = desk["shifts"][4]
    response = api(org.agent).post(
        "/api/v1/duty/swaps/", {"shift": later.pk, "counterpart": org.agent2.pk, "reason": "就医"}, format="json"
    )
    assert response.status_code == 201
    swap = response.json()["id"]
    assert api(org.agent2).post(f"/api/v1/duty/swaps/{swap}/approve/", {}, format="json").status_code == 403
    assert api(org.cs_supervisor).post(f"/api/v1/duty/swaps/{swap}/approve/", {}, format="json").status_code == 200
    later.refresh_from_db()
    assert later.person == org.agent2


@time_machine.travel(datetime(2026, 3, 3, 7, 45, tzinfo=TZ), tick=False)
def test_screens_check_in_swap_and_handover(client, org, desk):
    client.force_login(org.agent)
    html = client.get(reverse("duty:home")).content.decode()
    assert "签到" in html and "agent2" in html  # agent2 is on duty until 08:00
    today = desk["shifts"][2]  # 3 March, agent
    assert client.post(reverse("duty:check_in", args=[today.pk])).status_code == 302
    assert CheckIn.objects.get(shift=today).minutes_late == 0
    later = desk["shifts"][6]
    response = client.post(
        reverse("duty:swap_new", args=[later.pk]), {"counterpart": org.agent2.pk, "reason": "家中有事"}
    )
    assert response.status_code == 302
    client.force_login(org.cs_supervisor)
    html = client.get(reverse("duty:home")).content.decode()
    assert "待审批的换班申请" in html and "家中有事" in html
    swap = SwapRequest.objects.get()
    client.post(reverse("duty:swap_decide", args=[swap.pk]), {"decision": "approve"})
    later.refresh_from_db()
    assert later.person == org.agent2
    client.force_login(org.agent)
    client.post(reverse("duty:handover"), {"body": "夜间接报修 3 起，均已派工", "open_items": ""})
    client.force_login(org.agent2)
    html = client.get(reverse("duty:handover")).content.decode()
    assert "夜间接报修 3 起" in html and "我来接班" in html
    html = client.get(reverse("duty:roster", args=[desk["roster"].pk])).content.decode()
    assert "24小时班" in html


def test_a_supervisor_builds_a_roster_on_the_page(client, org, desk):
    client.force_login(org.cs_supervisor)
    response = client.post(reverse("duty:rosters"), {"unit": org.service.pk, "month": "2026-05", "note": ""})
    assert response.status_code == 302
    roster_url = response["Location"]
    pk = int(roster_url.rstrip("/").split("/")[-1])
    response = client.post(
        reverse("duty:roster_rotation", args=[pk]),
        {"rot-pattern": desk["pattern"].pk, "rot-people": [org.agent.pk, org.agent2.pk]},
    )
    assert response.status_code == 302
    client.post(reverse("duty:roster_publish", args=[pk]))
    html = client.get(roster_url).content.decode()
    assert "已发布" in html and html.count("24小时班") >= 31
