"""Who holds a role for a unit: the unit's chain, then the leadership offices, then the fallback."""

import pytest

from kefu.org.choices import Role, UnitKind
from kefu.org.models import User
from kefu.org.selectors import HolderSource, escalation_fallback_people, role_holders_for
from kefu.org.services import unit_create

pytestmark = pytest.mark.django_db


def usernames(holders) -> set[str]:
    return {u.username for u in holders.people}


def test_the_nearest_unit_of_the_chain_wins(org):
    holders = role_holders_for(role=Role.SUPERVISOR, unit=org.team)
    assert usernames(holders) == {"supervisor"}
    assert (holders.source, holders.unit_id) == (HolderSource.CHAIN, org.aftersales.pk)
    assert usernames(role_holders_for(role=Role.SUPERVISOR, unit=org.service)) == {"cs_supervisor"}


def test_leaders_in_the_group_office_answer_for_every_unit_below_the_group(org):
    for unit in (org.team, org.service, org.other_dept, org.other_aftersales, org.city, org.group):
        holders = role_holders_for(role=Role.GENERAL_MANAGER, unit=unit)
        assert usernames(holders) == {"gm"}, unit
        assert (holders.source, holders.unit_id) == (HolderSource.LEADERSHIP_OFFICE, org.group.pk)
    assert usernames(role_holders_for(role=Role.DEPUTY_GM, unit=org.team)) == {"deputy_gm"}
    # Inside the office itself the chain finds them first.
    assert role_holders_for(role=Role.GENERAL_MANAGER, unit=org.gm_office).source == HolderSource.CHAIN


def test_a_city_office_comes_before_the_group_office(org):
    city_office = unit_create(
        name="总经理办公室", code="hz-gmo", kind=UnitKind.DEPARTMENT, parent=org.city, is_leadership_office=True
    )
    city_gm = User.objects.create_user(username="hz_gm", role=Role.GENERAL_MANAGER, unit=city_office)
    assert usernames(role_holders_for(role=Role.GENERAL_MANAGER, unit=org.team)) == {"hz_gm"}
    # The other city company's matters still go to the group's general manager.
    assert usernames(role_holders_for(role=Role.GENERAL_MANAGER, unit=org.other_aftersales)) == {"gm"}
    # The city GM complained about: the matter passes to the group's office, not to nobody.
    assert usernames(role_holders_for(role=Role.GENERAL_MANAGER, unit=org.team, exclude={city_gm.pk})) == {"gm"}
    city_office.is_active = False
    city_office.save()
    assert usernames(role_holders_for(role=Role.GENERAL_MANAGER, unit=org.team)) == {"gm"}


def test_an_ordinary_sibling_department_is_not_searched(org):
    # 客服部 is a sibling of 售后部 in the same city, but not a leadership office: its supervisor is
    # not the after-sales team's supervisor's stand-in.
    org.supervisor.is_active = False
    org.supervisor.save()
    holders = role_holders_for(role=Role.SUPERVISOR, unit=org.team)
    assert "cs_supervisor" not in usernames(holders)
    assert holders.source == HolderSource.FALLBACK


def test_same_named_departments_in_two_cities_do_not_stand_in_for_each_other(org):
    assert org.other_aftersales.name == org.aftersales.name == "售后部"
    # Ningbo's 售后部 has no supervisor and nobody above it has one: never Hangzhou's.
    holders = role_holders_for(role=Role.SUPERVISOR, unit=org.other_aftersales)
    assert usernames(holders) == {"admin"} and holders.fallback
    assert usernames(role_holders_for(role=Role.HANDLER, unit=org.other_aftersales)) == {"other_handler"}
    assert usernames(role_holders_for(role=Role.HANDLER, unit=org.aftersales)) == {"handler"}


def test_the_excluded_person_is_dropped_before_the_nearest_unit_is_chosen(org):
    city_supervisor = User.objects.create_user(username="city_supervisor", role=Role.SUPERVISOR, unit=org.city)
    holders = role_holders_for(role=Role.SUPERVISOR, unit=org.team, exclude={org.supervisor.pk})
    assert usernames(holders) == {"city_supervisor"}
    assert holders.unit_id == org.city.pk == city_supervisor.unit_id


def test_the_fallback_is_the_marked_people_else_the_administrators(org):
    assert [u.username for u in escalation_fallback_people()] == ["admin"]
    nobody = role_holders_for(role=Role.TECHNICIAN, unit=org.service)
    assert usernames(nobody) == {"admin"} and nobody.source == HolderSource.FALLBACK
    desk = User.objects.create_user(username="duty_desk", role=Role.AGENT, unit=org.service, escalation_fallback=True)
    assert [u.username for u in escalation_fallback_people()] == ["duty_desk"]
    assert usernames(role_holders_for(role=Role.TECHNICIAN, unit=org.service)) == {"duty_desk"}
    # The fallback never reaches the excluded person either; nobody left is said as such.
    none_left = role_holders_for(role=Role.TECHNICIAN, unit=org.service, exclude={desk.pk})
    assert none_left.people == () and none_left.source == HolderSource.NOBODY and none_left.fallback
    # Callers that combine roles ask without the fallback and fall back once for all of them.
    assert role_holders_for(role=Role.TECHNICIAN, unit=org.service, fallback=False).source == HolderSource.NOBODY


def test_inactive_holders_do_not_count(org):
    org.gm.is_active = False
    org.gm.save()
    assert role_holders_for(role=Role.GENERAL_MANAGER, unit=org.team).fallback


def test_a_matter_without_a_unit_is_answered_at_the_top(org):
    assert usernames(role_holders_for(role=Role.GENERAL_MANAGER, unit=None)) == {"gm"}
    assert usernames(role_holders_for(role=Role.ADMINISTRATOR, unit=None)) == {"admin"}
    # A supervisor deep in a city is nobody's supervisor for a matter without a unit.
    assert role_holders_for(role=Role.SUPERVISOR, unit=None).fallback


def test_one_query_per_lookup(org, django_assert_num_queries):
    with django_assert_num_queries(1):
        role_holders_for(role=Role.GENERAL_MANAGER, unit=org.team)
