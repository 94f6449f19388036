import pytest

from kefu.core.exceptions import ApplicationError
from kefu.org.models import OrgUnit
from kefu.org.selectors import unit_subtree
from kefu.org.services import unit_move


def test_subtree_follows_the_tree(org):
    assert set(unit_subtree(org.city)) == {org.city, org.service, org.aftersales, org.team}
    assert set(unit_subtree(org.team)) == {org.team}


def test_moving_a_unit_moves_its_subtree(org):
    unit_move(unit=org.aftersales, new_parent=org.other_city)
    org.team.refresh_from_db()
    assert org.team.path.startswith(org.other_city.path)
    assert set(unit_subtree(org.other_city)) >= {org.aftersales, org.team}
    assert org.team not in set(unit_subtree(org.city))


def test_a_unit_cannot_move_under_itself(org):
    with pytest.raises(ApplicationError):
        unit_move(unit=org.city, new_parent=org.team)
    assert OrgUnit.objects.get(pk=org.city.pk).parent == org.province


def test_supervisor_sees_their_unit_and_below_gm_sees_all_agent_sees_own(org, make_case):
    from kefu.cases.models import Case
    from kefu.cases.services import case_transition

    mine = make_case()
    theirs = make_case(actor=org.agent2)
    routed = case_transition(
        case=make_case(actor=org.outsider), actor=org.outsider, transition="establish", expected_version=1
    )
    routed = case_transition(
        case=routed, actor=org.outsider, transition="route", expected_version=2, data={"unit": org.team.pk}
    )

    def visible(user):
        return set(Case.objects.visible_to(user))

    assert visible(org.agent) == {mine}
    assert visible(org.agent2) == {theirs}
    assert visible(org.cs_supervisor) == {mine, theirs}
    assert visible(org.supervisor) == {routed}  # routed to a team below after-sales
    assert visible(org.outsider_supervisor) == {routed}  # received in their unit
    assert visible(org.gm) == {mine, theirs, routed}
