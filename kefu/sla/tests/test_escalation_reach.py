"""Escalations reach someone: the real preset ladders find the deputy GM and GM in 总经理办公室 (a
sibling office under the group), a complaint about a supervisor goes past them, and a role nobody
holds goes to the fallback — logged, recorded on the notice and shown on the overdue board."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse

from kefu.org.choices import Role
from kefu.org.models import User
from kefu.sla.models import ClockNotice, Notification
from kefu.sla.sweep import sla_sweep
from kefu.sla.tests.sweep_helpers import DEADLINE, make_clock

pytestmark = pytest.mark.django_db

LATER = DEADLINE + timedelta(days=30)  # every level of every preset ladder is due by then


def told(clock) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for level, username in Notification.objects.filter(notice__clock=clock).values_list(
        "notice__level", "recipient__username"
    ):
        out.setdefault(level, set()).add(username)
    return out


def overdue_case(make_case, org, *, unit, **kwargs):
    case = make_case(**kwargs)
    case.responsible_unit = unit
    case.assignee = org.handler
    case.save(update_fields=["responsible_unit", "assignee"])
    return case


@pytest.mark.parametrize(
    "rulebook, case_type, category, ladder, expected",
    [
        # 篇2: 部门主管督办 → 部门经理督办 → 总经理督办
        (
            "service-complaint",
            "complaint",
            "attitude",
            "complaint",
            {2: {"supervisor"}, 3: {"manager"}, 4: {"gm"}},
        ),
        # seed-002 Doc 5 第6、7条: unresolved 5 minutes → the company's leader (manager and deputy GM), 10 → the GM
        (
            "property-complaint",
            "complaint",
            "emergency",
            "emergency",
            {1: {"manager", "deputy_gm"}, 2: {"gm"}},
        ),
        # 篇10: 督办 → 上级督办 (manager and deputy GM)
        ("power-supply", "complaint", "three_tens", "bureau", {2: {"supervisor"}, 3: {"manager", "deputy_gm"}}),
        # 篇9: 部门经理督办 → 总经理督办
        ("quality-claim", "quality_claim", "quality", "gm_office", {2: {"manager"}, 3: {"gm"}}),
    ],
)
def test_preset_ladders_reach_the_leaders_in_the_gm_office(
    make_case, org, caplog, rulebook, case_type, category, ladder, expected
):
    case = overdue_case(
        make_case, org, unit=org.aftersales, rulebook_key=rulebook, case_type=case_type, category=category
    )
    clock = make_clock(case, ladder=ladder)
    with caplog.at_level(logging.WARNING, logger="kefu.sla.sweep"):
        sla_sweep(now=LATER)
    got = told(clock)
    assert {level: got.get(level) for level in expected} == expected
    assert not ClockNotice.objects.filter(clock=clock, fallback=True).exists()
    assert "reached nobody" not in caplog.text
    assert all(n.recipients for n in ClockNotice.objects.filter(clock=clock))


def test_a_complaint_about_the_supervisor_goes_one_unit_higher(make_case, org):
    User.objects.create_user(username="city_supervisor", role=Role.SUPERVISOR, unit=org.city)
    case = overdue_case(make_case, org, unit=org.aftersales, subject_person=org.supervisor)
    clock = make_clock(case)
    sla_sweep(now=LATER)
    got = told(clock)
    assert got[2] == {"city_supervisor"}
    assert got[4] == {"gm"}
    assert not Notification.objects.filter(recipient=org.supervisor).exists()
    assert not ClockNotice.objects.filter(clock=clock, fallback=True).exists()


def test_a_complaint_about_the_only_supervisor_goes_to_the_fallback_not_to_them(make_case, org):
    case = overdue_case(make_case, org, unit=org.aftersales, subject_person=org.supervisor)
    clock = make_clock(case)
    sla_sweep(now=LATER)
    assert told(clock)[2] == {"admin"}
    assert ClockNotice.objects.get(clock=clock, level=2).fallback
    assert not Notification.objects.filter(recipient=org.supervisor).exists()


@pytest.fixture
def unheld(make_case, org):
    """A complaint handled by Ningbo's 售后部, where nobody (and nobody above it) is a supervisor;
    Hangzhou's department of the same name has one, who must not be asked."""
    case = overdue_case(make_case, org, unit=org.other_aftersales, title="宁波售后超时")
    clock = make_clock(case)
    return case, clock


def test_a_role_nobody_holds_goes_to_the_fallback_and_is_logged(unheld, org, caplog):
    case, clock = unheld
    with caplog.at_level(logging.WARNING, logger="kefu.sla.sweep"):
        result = sla_sweep(now=LATER)
    notice = ClockNotice.objects.get(clock=clock, level=2)
    assert notice.fallback and notice.targets == ["supervisor"]
    assert notice.recipients == [org.admin.pk]
    assert told(clock)[2] == {"admin"}
    assert "supervisor" not in {u for users in told(clock).values() for u in users}
    # Ningbo's 售后部 has no manager either (level 3); the GM (level 4) is found in the GM office.
    assert result.fallbacks == 2
    assert told(clock)[3] == {"admin"} and told(clock)[4] == {"gm"}
    records = [r for r in caplog.records if "reached nobody" in r.getMessage()]
    assert [r.levelname for r in records] == ["WARNING", "WARNING"]
    message = records[0].getMessage()
    assert case.number in message and "满意答复" in message and "level 2" in message and "supervisor" in message
    body = Notification.objects.get(notice=notice).body
    assert "兜底" in body and "主管" in body  # says why the administrator got it, and for whom it was meant


def test_the_marked_fallback_people_get_it_instead_of_the_administrators(unheld, org):
    _, clock = unheld
    User.objects.create_user(username="duty_desk", role=Role.AGENT, unit=org.service, escalation_fallback=True)
    sla_sweep(now=LATER)
    assert told(clock)[2] == {"duty_desk"}


def test_the_board_shows_what_went_to_the_fallback(unheld, org, api, client):
    _, clock = unheld
    sla_sweep(now=LATER)
    body = api(org.gm).get("/api/v1/board/").json()
    group = next(g for g in body["groups"] if g["unit"] and g["unit"]["id"] == org.other_aftersales.pk)
    row = group["rows"][0]["clock"]
    assert group["fallback"] == 1
    assert row["went_to_fallback"] is True
    assert row["fallback_notices"] == [
        {"kind": "escalation", "level": 2, "meant_for": ["supervisor"]},
        {"kind": "escalation", "level": 3, "meant_for": ["manager"]},
    ]

    clocks = api(org.gm).get(f"/api/v1/cases/{clock.case_id}/clocks/").json()
    level2 = next(n for c in clocks for n in c["notices"] if n["level"] == 2)
    assert level2["fallback"] is True and level2["meant_for"] == ["supervisor"]

    client.force_login(org.gm)
    html = client.get(reverse("web:board")).content.decode()
    assert 'class="fallback"' in html
    assert "第 2 级已转兜底接收人：无人可通知（主管）" in html


def test_notices_that_reach_someone_are_not_marked(make_case, org, api):
    case = overdue_case(make_case, org, unit=org.aftersales)
    make_clock(case)
    sla_sweep(now=LATER)
    rows = [r for g in api(org.gm).get("/api/v1/board/").json()["groups"] for r in g["rows"]]
    assert rows and not any(r["clock"]["went_to_fallback"] for r in rows)
