"""The call-back screens through the Django test client: today's list, the questionnaire, the
logged "show number", refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.customers.models import PersonalDataAccess
from kefu.visits.choices import VisitPurpose, VisitStatus
from kefu.visits.models import VisitTask
from kefu.visits.services import visit_schedule


@pytest.fixture
def task(org, customer, visits_rulebook):
    return visit_schedule(
        actor=org.agent,
        customer=customer,
        visitor=org.agent,
        due_date=timezone.localdate(),
        purpose=VisitPurpose.USAGE,
        questionnaire="d6",
    )


def test_today_lists_my_visits_with_the_number_masked(client, org, task):
    client.force_login(org.agent)
    page = client.get("/visits/").content.decode()
    assert "王建国" in page and "138****5678" in page and "13812345678" not in page
    client.force_login(org.agent2)
    assert "王建国" not in client.get("/visits/").content.decode()
    assert client.get(f"/visits/{task.pk}/").status_code == 404


def test_show_number_reveals_it_once_and_logs_it(client, org, task):
    client.force_login(org.agent)
    assert "13812345678" not in client.get(f"/visits/{task.pk}/").content.decode()
    page = client.post(f"/visits/{task.pk}/show-number/").content.decode()
    assert "13812345678" in page
    access = PersonalDataAccess.objects.get()
    assert (access.viewer, access.surface, access.path) == (org.agent, "visits", f"/visits/{task.pk}/show-number/")


def test_a_manager_may_see_the_visit_but_not_unmask_the_number(client, org, customer, visits_rulebook):
    """A manager (not in CONTACT_ROLES) of 售后部 sees their unit's visit, with the number masked only."""
    task = visit_schedule(
        actor=org.manager,
        customer=customer,
        visitor=org.handler,
        due_date=timezone.localdate(),
        purpose=VisitPurpose.USAGE,
    )
    client.force_login(org.manager)
    page = client.get(f"/visits/{task.pk}/").content.decode()
    assert "138****5678" in page and "show-number" not in page
    client.post(f"/visits/{task.pk}/show-number/")
    assert not PersonalDataAccess.objects.exists()


def test_the_questionnaire_form_records_and_reports_bad_answers(client, org, task):
    client.force_login(org.agent)
    bad = client.post(f"/visits/{task.pk}/", {"version": 1, "q_solved": "yes", "q_score": "11"})
    assert bad.status_code == 400
    task.refresh_from_db()
    assert task.status == VisitStatus.OPEN
    good = {"version": 1, "q_solved": "yes", "q_attitude": "满意", "q_charged": "no", "q_score": "9", "summary": "满意"}
    response = client.post(f"/visits/{task.pk}/", good)
    assert response.status_code == 302 and response["Location"] == "/visits/"
    task.refresh_from_db()
    assert task.status == VisitStatus.DONE and task.record.answers["score"] == 9
    # the same form sent again (a double click) changes nothing
    assert client.post(f"/visits/{task.pk}/", good).status_code == 400


def test_call_me_later_keeps_it_on_the_list_with_the_time(client, org, task):
    client.force_login(org.agent)
    later = timezone.localtime() + timedelta(hours=3)
    response = client.post(
        f"/visits/{task.pk}/reschedule/",
        {"reason": "call_later", "version": 1, "try_again_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    task = VisitTask.objects.get(pk=task.pk)
    assert (task.status, task.attempts) == (VisitStatus.RESCHEDULED, 1)
    assert timezone.localtime(task.next_attempt_at).strftime("%H:%M") == later.strftime("%H:%M")
