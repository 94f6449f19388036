"""Who hears about a deadline, and the e-mail task that tells them."""

from unittest import mock

import pytest
from django.core import mail

from kefu.org.choices import Role
from kefu.org.models import User
from kefu.sla.models import Notification
from kefu.sla.notify import RecipientResolver, resolve_recipients
from kefu.sla.sweep import sla_sweep
from kefu.sla.tasks import notifications_email
from kefu.sla.tests.sweep_helpers import DEADLINE, WARN_AT, make_clock

pytestmark = pytest.mark.django_db


def names(users) -> set[str]:
    return {u.username for u in users}


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
    assert names(resolve_recipients(case=case, targets=["general_manager"])) == {"gm"}
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
    assert sorted(u.username for u in got) == ["agent", "cs_supervisor"]
    org.agent.is_active = False
    org.agent.save()
    assert names(resolve_recipients(case=case, targets=["owner"])) == set()


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


def test_email_retry_after_a_partial_failure_does_not_send_twice(make_case, org, django_capture_on_commit_callbacks):
    case = make_case()
    case.assignee = org.handler
    case.save(update_fields=["assignee"])
    make_clock(case)
    with django_capture_on_commit_callbacks(execute=False):
        result = sla_sweep(now=WARN_AT)
    ids = result.notification_ids
    assert len(ids) == 2
    mail.outbox.clear()
    from django.core.mail import send_mail as real_send

    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise ConnectionRefusedError("SMTP down")
        return real_send(*args, **kwargs)

    with mock.patch("kefu.sla.tasks.send_mail", side_effect=flaky), pytest.raises(OSError):
        notifications_email(ids)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(pk__in=ids, emailed_at__isnull=False).count() == 1

    assert notifications_email(ids) == 1  # the retry sends only what is left
    assert notifications_email(ids) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@example.com", "handler@example.com"]
