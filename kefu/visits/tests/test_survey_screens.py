"""Survey staff screens through the test client (seed-002 Doc 8): a supervisor writes a survey with
typed questions, opens a round for the customers whose file was opened in the last three months (the
"new service" survey, (二)2), watches the answers against the 85% threshold ((四)), enters a paper
answer (kept in their name), prints the paper forms of those who have not answered; an agent may not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.customers.models import Customer
from kefu.customers.services import customer_create
from kefu.visits.models import Survey, SurveyInvitation, SurveyRound
from kefu.visits.surveys import survey_answer

pytestmark = pytest.mark.django_db


def _survey_post():
    rows = [
        {
            "text": "您对物业服务总体满意吗？",
            "type": "choice",
            "options": "满意，基本满意，不满意",
            "unsatisfied": "不满意",
        },
        {"text": "维修是否及时？", "type": "yes_no", "unsatisfied": "否"},
        {"text": "请为我们打分", "type": "score", "unsatisfied_below": "6"},
        {"text": "意见和建议", "type": "text"},
        {"text": "", "type": "choice"},
    ]
    data = {
        "title": "新增保洁服务满意度调查",
        "intro": "请您花一分钟填写。",
        "q-TOTAL_FORMS": str(len(rows)),
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "50",
    }
    for i, row in enumerate(rows):
        for key in ("text", "type", "options", "unsatisfied", "unsatisfied_below"):
            data[f"q-{i}-{key}"] = row.get(key, "")
    return data


def test_write_open_watch_enter_on_paper_and_print(client, org, rulebooks):
    """Five residents, two with files opened this month: the "new service" round asks those two
    (sample 10 → 2). One answers by link (满意, 是, 9), one on paper entered by the supervisor (不满意,
    否, 4): 2 of 2 = 100% ≥ 85% → valid; question 1: 1 satisfied of 2 = 50.00%."""
    old = [customer_create(name=n, phone=f"1380000000{i}") for i, n in enumerate(["张伟", "王芳", "李娜"])]
    Customer.objects.filter(pk__in=[c.pk for c in old]).update(created_at=timezone.now() - timedelta(days=200))
    for i, name in enumerate(["刘洋", "陈静"]):  # files opened today
        customer_create(name=name, phone=f"1390000000{i}")
    client.force_login(org.cs_supervisor)

    response = client.post("/visits/surveys/", _survey_post())
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert [(q["code"], q["type"], q.get("options"), q.get("unsatisfied")) for q in survey.questions] == [
        ("q1", "choice", ["满意", "基本满意", "不满意"], ["不满意"]),
        ("q2", "yes_no", [], ["no"]),
        ("q3", "score", [], []),
        ("q4", "text", [], []),
    ]
    assert survey.questions[2]["unsatisfied_below"] == 6

    page = client.get(f"/visits/surveys/{survey.pk}/").content.decode()
    assert 'value="85' in page and 'value="7"' in page  # the rulebook's threshold and answer days
    today = timezone.localdate()
    response = client.post(
        f"/visits/surveys/{survey.pk}/rounds/",
        {
            "name": "保洁服务 2026-12",
            "period_start": (today - timedelta(days=90)).isoformat(),
            "period_end": today.isoformat(),
            "who": "new",
            "within_months": "3",
            "grade": "",
            "sample_size": "10",
            "threshold_percent": "85",
            "answer_days": "7",
            "unit": "",
        },
    )
    round_ = SurveyRound.objects.get()
    assert response.status_code == 302
    assert set(round_.invitations.values_list("customer__name", flat=True)) == {"刘洋", "陈静"}

    first, second = SurveyInvitation.objects.filter(round=round_).order_by("customer__name")
    survey_answer(token=first.token, answers={"q1": "满意", "q2": "yes", "q3": 9})
    page = client.get(f"/visits/surveys/rounds/{round_.pk}/").content.decode()
    assert "已回收 1 / 2 份（50.00%）" in page
    assert f"/s/{second.token}/" in page and f"/s/{first.token}/" not in page

    printed = client.get(f"/visits/surveys/rounds/{round_.pk}/print/").content.decode()
    assert printed.count('class="paper-form"') == 1 and second.customer.name in printed
    assert "您对物业服务总体满意吗？" in printed and 'class="box"' in printed

    response = client.post(
        f"/visits/surveys/invitations/{second.pk}/paper/", {"q_q1": "不满意", "q_q2": "no", "q_q3": "4", "version": "1"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.response.entered_by == org.cs_supervisor
    page = client.get(f"/visits/surveys/rounds/{round_.pk}/").content.decode()
    assert "50.00%" in page and "100.00%" in page  # question 1, and the response rate
    assert "survey-item-chart-data" in page and "<script>" not in page.replace("</script>", "")  # no inline JS

    # Entering the same paper form twice is refused: one answer per customer.
    client.post(
        f"/visits/surveys/invitations/{second.pk}/paper/", {"q_q1": "满意", "q_q2": "yes", "q_q3": "8", "version": "1"}
    )
    assert second.response.answers == {"q1": "不满意", "q2": "no", "q3": 4}


def test_an_agent_may_not_run_surveys(client, org, rulebooks):
    client.force_login(org.agent)
    assert client.get("/visits/surveys/").status_code == 403
