"""Dispatch suggestions: technicians of the order's unit ranked by area, skill, shift and load,
each with the reasons shown on screen (one SQL query)."""

from datetime import datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kefu.org.choices import Role
from kefu.org.models import User
from kefu.workorders.selectors import dispatch_suggestions, suggestion_queryset
from kefu.workorders.services import technician_set_profile, workorder_dispatch
from kefu.workorders.tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(org):
    """Three technicians of 维修一班: 李 serves 西湖区 and repairs; 赵 repairs, elsewhere; 钱 installs only."""

    def tech(username, name):
        return User.objects.create_user(username=username, display_name=name, role=Role.TECHNICIAN, unit=org.team)

    li, zhao, qian = tech("li", "李师傅"), tech("zhao", "赵师傅"), tech("qian", "钱师傅")
    technician_set_profile(actor=org.supervisor, technician=li, kinds=["repair"], districts=["西湖区"])
    technician_set_profile(actor=org.supervisor, technician=zhao, kinds=["repair", "install"], districts=["滨江区"])
    technician_set_profile(actor=org.supervisor, technician=qian, kinds=["install"], districts=["西湖区"])
    return li, zhao, qian


def test_ranking_by_area_skill_and_load_with_reasons(make_order, org, crew):
    """Repair in 西湖区. Scores (area 100, skill 50, −10 per open order):
    李 100 + 50 − 2 × 10 = 130 (two open orders); 钱 100 + 0 = 100; 赵 0 + 50 = 50;
    the fixture's technician: 0."""
    li, zhao, qian = crew
    for _ in range(2):
        busy = make_order(district="西湖区")
        workorder_dispatch(order=busy, actor=org.supervisor, expected_version=1, technician=li)
    order = make_order(district="西湖区")
    ranked = dispatch_suggestions(order)
    assert [(s.technician.username, s.score) for s in ranked] == [
        ("li", 130),
        ("qian", 100),
        ("zhao", 50),
        ("technician", 0),
    ]
    with translation.override("en"):
        assert ranked[0].reasons == ["serves 西湖区", "qualified for this kind of work", "2 open orders"]
    assert ranked[0].reasons == ["负责西湖区", "具备此类工作技能", "在办派工单 2 张"]  # the site's language
    assert ranked[0].on_duty is None  # no roster in these units: availability is not claimed
    with CaptureQueriesContext(connection) as queries:
        list(suggestion_queryset(order))
    assert len(queries) == 2  # the unit ids of the subtree, then the one ranking query


def test_only_technicians_of_the_order_unit_are_suggested(make_order, org, crew):
    outside = User.objects.create_user(username="nb_tech", role=Role.TECHNICIAN, unit=org.other_aftersales)
    names = {s.technician.username for s in dispatch_suggestions(make_order())}
    assert outside.username not in names and "li" in names


def test_on_shift_counts_when_the_unit_has_a_roster(make_order, org, crew):
    """赵 is on shift now (roster published for 维修一班): 50 + 30 = 80 beats 钱's 0 for a repair
    outside anyone's area; 李 (not on shift) 50."""
    from kefu.duty.models import ShiftPattern
    from kefu.duty.services import roster_add_shift, roster_create, roster_publish

    li, zhao, qian = crew
    now = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # 赵's 白班 08:00–18:00 that day
    pattern = ShiftPattern.objects.create(name="白班", code="day", start=time(8, 0), duration_minutes=600)
    roster = roster_create(unit=org.team, month=now.date(), actor=org.supervisor)
    roster_add_shift(roster=roster, pattern=pattern, person=zhao, day=now.date(), actor=org.supervisor)
    roster_publish(roster=roster, actor=org.supervisor)
    order = make_order(district="拱墅区")
    ranked = dispatch_suggestions(order, at=now)
    assert [(s.technician.username, s.score) for s in ranked[:2]] == [("zhao", 80), ("li", 50)]
    assert "当前在班" in ranked[0].reasons and "当前不在班" in ranked[1].reasons
