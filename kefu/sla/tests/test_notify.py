"""Who hears about a deadline (the e-mail that tells them: test_mail.py)."""

import pytest

from kefu.org.choices import Role
from kefu.org.models import User
from kefu.sla.models import Notification
from kefu.sla.notify import RecipientResolver, resolve_recipients
from kefu.sla.sweep import sla_sweep
from kefu.sla.tests.sweep_helpers import DEADLINE, make_clock

pytestmark = pytest.mark.django_db


def names(recipients) -> set[str]:
    people = recipients.people if hasattr(recipients, "people") else recipients
    return {u.username for u in people}


def test_personal_targets(make_case, org):
    case = make_case(subject_person=org.technician)
    case.assignee = org.handler
    case.save(update_fields=["assignee"])
    assert names(resolve_recipients(case=case, targets=["owner", "assignee", "receiver"])) == {"agent", "handler"}


def test_role_is_found_in_the_responsible_unit_first(make_case, org):
    case = make_case()
    case.responsible_unit = org.aftersales
    case.save(update_fields=["responsible_unit"])
    # The receiving unit (customer service) has its own supervisor; the responsible unit wins.
    assert names(resolve_recipients(case=case, targets=["supervisor"])) == {"supervisor"}


def test_role_walks_up_the_unit_tree(make_case, org):
    case = make_case()
    case.responsible_unit = org.team  # the repair team has no supervisor; its department has
    case.save(update_fields=["responsible_unit"])
    assert names(resolve_recipients(case=case, targets=["supervisor"])) == {"supervisor"}
    # The general manager is in no unit of the chain: the group's leadership office answers.
    found = resolve_recipients(case=case, targets=["general_manager"])
    assert names(found) == {"gm"} and not found.fallback
    # A manager in another branch is not in the chain: only the chain counts.
    User.objects.create_user(username="nb_manager", role=Role.MANAGER, unit=org.other_dept)
    assert names(resolve_recipients(case=case, targets=["manager"])) == {"manager"}


def test_the_person_complained_about_is_never_told(make_case, org):
    city_supervisor = User.objects.create_user(username="city_supervisor", role=Role.SUPERVISOR, unit=org.city)
    case = make_case(subject_person=org.supervisor)
    case.responsible_unit = org.team
    case.assignee = org.supervisor
    case.save(update_fields=["responsible_unit", "assignee"])
    # The department's supervisor is the subject: the step passes up to the city company's.
    got = resolve_recipients(case=case, targets=["supervisor", "assignee", "owner"])
    assert names(got) == {city_supervisor.username, "agent"}


def test_inactive_people_are_skipped_and_nobody_twice(make_case, org):
    spare = User.objects.create_user(username="spare_supervisor", role=Role.SUPERVISOR, unit=org.service)
    spare.is_active = False
    spare.save()
    case = make_case()
    case.assignee = org.cs_supervisor
    case.save(update_fields=["assignee"])
    got = resolve_recipients(case=case, targets=["assignee", "supervisor", "owner", "receiver"])
    assert sorted(u.username for u in got.people) == ["agent", "cs_supervisor"]
    org.agent.is_active = False
    org.agent.save()
    # The owner left: the notice reaches nobody it names and goes to the fallback (the administrator).
    gone = resolve_recipients(case=case, targets=["owner"])
    assert names(gone) == {"admin"} and gone.fallback


def test_resolver_asks_once_per_role_and_unit(make_case, org, django_assert_num_queries):
    cases = [make_case(title=f"案件 {i}") for i in range(4)]
    resolver = RecipientResolver()
    resolver.prefetch(cases)
    with django_assert_num_queries(1):
        for case in cases:
            assert names(resolver.resolve(case=case, targets=["supervisor", "owner"])) == {"cs_supervisor", "agent"}


def test_sweep_notifies_the_nearest_supervisor_but_not_the_subject(make_case, org):
    User.objects.create_user(username="city_supervisor", role=Role.SUPERVISOR, unit=org.city, email="cs@example.com")
    case = make_case(subject_person=org.supervisor)
    case.responsible_unit = org.team
    case.save(update_fields=["responsible_unit"])
    clock = make_clock(case)
    sla_sweep(now=DEADLINE.replace(day=20))
    level2 = Notification.objects.filter(notice__clock=clock, notice__level=2)
    assert set(level2.values_list("recipient__username", flat=True)) == {"city_supervisor"}
    assert not Notification.objects.filter(recipient=org.supervisor).exists()
