"""The return-visit API: what a client sees and the refusals it gets (400/403/404/409)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from kefu.cases import events
from kefu.visits.models import VisitTask
from kefu.visits.surveys import survey_answer, survey_create, survey_round_open

from .test_call_backs import _close_repair

URL = "/api/v1/visits/tasks/"


def test_an_agent_records_a_call_back_through_the_api(api, org, make_case, visits_rulebook):
    case = _close_repair(org, make_case)
    events.dispatch_pending()
    task = VisitTask.objects.get(case=case)
    client = api(org.agent)
    listed = client.get(URL, {"mine": "true", "status": "open"}).json()["results"]
    assert [t["id"] for t in listed] == [task.pk]
    assert listed[0]["phone"] == "138****5678" and listed[0]["case_number"] == case.number
    assert [q["code"] for q in listed[0]["questionnaire"]["questions"]][:2] == ["solved", "attitude"]
    assert client.get(URL, {"status": "lost"}).status_code == 400
    assert api(org.agent2).get(f"{URL}{task.pk}/").status_code == 404

    answers = {"solved": "yes", "attitude": "满意", "charged": "no", "score": 11}
    bad = client.post(f"{URL}{task.pk}/record/", {"version": 1, "answers": answers}, format="json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["answers.score"]
    answers["score"] = 10
    done = client.post(f"{URL}{task.pk}/record/", {"version": 1, "answers": answers}, format="json")
    assert done.status_code == 200
    body = done.json()
    assert (
        body["status"] == "done" and body["record"]["answers"]["score"] == 10 and body["record"]["unsatisfied"] is False
    )
    again = client.post(f"{URL}{task.pk}/record/", {"version": 1, "answers": answers}, format="json")
    assert again.status_code == 409


def test_plan_by_hand_and_cancel_through_the_api(api, org, customer, visits_rulebook):
    body = {
        "customer": customer.pk,
        "visitor": org.agent.pk,
        "due_date": timezone.localdate().isoformat(),
        "purpose": "relationship",
        "method": "on_site",
    }
    assert api(org.agent2).post(URL, body, format="json").status_code == 403
    created = api(org.cs_supervisor).post(URL, body, format="json")
    assert created.status_code == 201 and created.json()["on_site_signature"] is True
    pk = created.json()["id"]
    assert api(org.agent).post(f"{URL}{pk}/cancel/", {"version": 1}, format="json").status_code == 400
    cancelled = api(org.agent).post(f"{URL}{pk}/cancel/", {"version": 1, "reason": "客户已搬离"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "客户已搬离"


def test_survey_results_for_the_quality_office_only(api, org, customer):
    survey = survey_create(
        actor=org.quality,
        title="满意度调查",
        questions=[{"code": "timely", "text": "维修是否及时？", "type": "yes_no", "unsatisfied": ["no"]}],
    )
    round_ = survey_round_open(
        actor=org.quality,
        survey=survey,
        name="2026 上半年",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
        sample_size=5,
        threshold_percent=Decimal("85"),
    )
    survey_answer(token=round_.invitations.get().token, answers={"timely": "no"})
    results = api(org.quality).get(f"/api/v1/visits/survey-rounds/{round_.pk}/results/").json()
    assert results == {
        "invited": 1,
        "responded": 1,
        "response_rate": "100.00",
        "threshold_percent": "85.00",
        "valid": True,
        "items": [{"code": "timely", "text": "维修是否及时？", "answers": 1, "satisfied": 0, "rate": "0.00"}],
    }
    assert api(org.agent).get(f"/api/v1/visits/survey-rounds/{round_.pk}/results/").status_code == 404
