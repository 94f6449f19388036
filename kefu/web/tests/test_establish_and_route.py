"""成立 and 转部门 in one step on the case page (issue 7). The preset 客户服务投诉管理制度 (seeds-000-003 篇2
三、"不成立的投诉婉转答复并结案；成立的投诉经 OA 转被投诉部门主管") has 投诉成立 (registered → forwarded) and then
转被投诉部门 (forwarded → investigating), both the agent's: one form does both."""

import pytest
from django.urls import reverse

from kefu.cases.models import CaseEvent

pytestmark = pytest.mark.django_db


def _post(client, case, data):
    url = reverse("web:case_establish_route", args=[case.number, "establish", "route"])
    return client.post(url, {"establish-route-version": case.version, **data})


def test_the_case_page_offers_the_combined_step_first(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    html = client.get(reverse("web:case", args=[case.number])).content.decode()
    combined = html.split('id="action-establish-route"')[1].split("</form>")[0]
    assert "投诉成立并转被投诉部门" in combined and "btn btn-primary" in combined
    assert 'name="establish-route-unit"' in combined and "华东分公司 / 杭州公司 / 售后部" in combined
    alone = html.split('id="action-establish"')[1].split("</form>")[0]
    assert "btn-primary" not in alone  # establishing alone stays possible, as the secondary choice
    assert html.index('id="action-establish-route"') < html.index('id="action-establish"')


def test_one_submit_establishes_and_routes_with_two_history_rows(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    response = _post(
        client, case, {"establish-route-unit": org.aftersales.pk, "establish-route-assignee": org.handler.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "investigating"
    assert case.responsible_unit == org.aftersales and case.assignee == org.handler
    steps = list(
        CaseEvent.objects.filter(case=case, kind="transition").order_by("id").values_list("transition", flat=True)
    )
    assert steps == ["establish", "route"]


def test_a_refused_route_leaves_the_complaint_unestablished(client, org, make_case):
    """The handler is the person complained about: the route is refused (recusal), and the
    establishment made a moment before in the same change is rolled back with it."""
    case = make_case(subject_person=org.handler)
    client.force_login(org.agent)
    response = _post(
        client, case, {"establish-route-unit": org.aftersales.pk, "establish-route-assignee": org.handler.pk}
    )
    assert response.status_code == 400
    assert "此人是被投诉人，须回避" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == "registered"
    assert not CaseEvent.objects.filter(case=case, kind="transition").exists()


def test_a_person_who_may_not_take_the_steps_changes_nothing(client, org, make_case):
    """The handler's role may take neither 投诉成立 nor 转被投诉部门: a forged post changes nothing."""
    case = make_case()
    client.force_login(org.handler)
    response = _post(client, case, {"establish-route-unit": org.aftersales.pk})
    assert response.status_code in (400, 403, 404)
    case.refresh_from_db()
    assert case.stage == "registered"
