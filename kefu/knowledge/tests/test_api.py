"""Knowledge API: search, versions with 409, "solved it", templates filled in for a case, the taboo
check, the greeting of a day, override counts; and who may do what."""

import pytest

from kefu.knowledge.choices import Visibility
from kefu.knowledge.services import article_create, reply_template_save


@pytest.fixture
def article(org):
    return article_create(
        title="热水器无法点火",
        body="燃气热水器打开后无法点火时，先检查燃气阀门和电池，再查看故障代码。",
        visibility=Visibility.PUBLIC,
        actor=org.supervisor,
    )


def test_search_and_read(api, org, article):
    response = api(org.agent).get("/api/v1/knowledge/articles/", {"q": "电池"})
    assert response.status_code == 200
    body = response.json()
    assert [a["id"] for a in body["results"]] == [article.pk] and body["all_words"]
    assert api(org.agent).get(f"/api/v1/knowledge/articles/{article.pk}/").json()["body"].startswith("燃气")
    assert api().get("/api/v1/knowledge/articles/").status_code in (401, 403)


def test_write_edit_with_versions_and_conflicts(api, org, article):
    assert (
        api(org.agent).post("/api/v1/knowledge/articles/", {"title": "x", "body": "y"}, format="json").status_code
        == 403
    )
    response = api(org.supervisor).post("/api/v1/knowledge/articles/", {"title": "", "body": "y" * 10}, format="json")
    assert response.status_code == 400 and "title" in response.json()["errors"]
    url = f"/api/v1/knowledge/articles/{article.pk}/"
    response = api(org.supervisor).patch(url, {"version": 1, "title": "燃气热水器无法点火"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert api(org.supervisor).patch(url, {"version": 1, "title": "旧"}, format="json").status_code == 409
    versions = api(org.agent).get(url + "versions/").json()
    assert [v["number"] for v in versions] == [2, 1]


def test_solved_once_per_case(api, org, article, make_case):
    case = make_case(case_type="repair")
    url = f"/api/v1/knowledge/articles/{article.pk}/solved/"
    assert api(org.agent).post(url, {"case": case.pk}, format="json").status_code == 201
    response = api(org.agent).post(url, {"case": case.pk}, format="json")
    assert response.status_code == 200 and response.json()["solved_count"] == 1
    assert api(org.outsider).post(url, {"case": case.pk}, format="json").status_code == 400  # not a case they see


def test_templates_for_a_case_and_rendered(api, org, make_case):
    template = reply_template_save(
        actor=org.supervisor, name="报修受理", body="{客户姓名}您好，工单{工单号}已受理。", case_type="repair"
    )
    reply_template_save(actor=org.supervisor, name="投诉", body="投诉", case_type="complaint")
    case = make_case(case_type="repair")
    listed = api(org.agent).get("/api/v1/knowledge/templates/", {"case": case.pk}).json()
    assert [t["name"] for t in listed] == ["报修受理"]
    rendered = api(org.agent).get(f"/api/v1/knowledge/templates/{template.pk}/render/", {"case": case.pk}).json()
    assert rendered == {"text": f"王建国您好，工单{case.number}已受理。", "missing": []}
    assert (
        api(org.outsider).get(f"/api/v1/knowledge/templates/{template.pk}/render/", {"case": case.pk}).status_code
        == 404
    )
    response = api(org.agent).post("/api/v1/knowledge/templates/", {"name": "x", "body": "y"}, format="json")
    assert response.status_code == 403


def test_taboo_check_endpoint(api, org, make_case):
    case = make_case()
    response = api(org.agent).post(
        "/api/v1/knowledge/taboo-check/", {"case": case.pk, "text": "叫什么，等一会儿！"}, format="json"
    )
    assert response.status_code == 200
    assert [(f["start"], f["end"], f["text"]) for f in response.json()] == [(0, 8, "叫什么，等一会儿")]


def test_greeting_of_a_day(api, org, rulebooks):
    assert api(org.agent).get("/api/v1/knowledge/greeting/", {"date": "2026-10-01"}).json()["greeting"] == "国庆节快乐"
    assert api(org.agent).get("/api/v1/knowledge/greeting/", {"date": "2026-10-09"}).json()["greeting"] == "您好"


def test_override_counts_are_for_supervisors(api, org, rulebooks):
    assert api(org.agent).get("/api/v1/knowledge/overrides/").status_code == 403
    assert api(org.cs_supervisor).get("/api/v1/knowledge/overrides/").json() == []
