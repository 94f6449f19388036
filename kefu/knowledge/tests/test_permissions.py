"""Who reads and writes knowledge: internal material needs a role, writers are refused before their
input is read, a template never names an anonymous complainant, and "this solved it" is a change to
the case like any other."""

import pytest
from django.urls import reverse

from kefu.cases.services import case_transfer
from kefu.core.exceptions import ForbiddenError
from kefu.knowledge.choices import Visibility
from kefu.knowledge.replies import render_text, values_for_case
from kefu.knowledge.selectors import article_search, articles_visible_to
from kefu.knowledge.services import article_create, article_mark_solved, reply_template_save
from kefu.org.models import User


@pytest.fixture
def articles(org):
    internal = article_create(
        title="暖气片不热的内部处理流程", body="内部：先查换热站停供记录，再派维修工。", actor=org.supervisor
    )
    public = article_create(
        title="暖气片不热怎么办",
        body="请先检查进水阀门，再为暖气片排气。",
        visibility=Visibility.PUBLIC,
        actor=org.supervisor,
    )
    return internal, public


@pytest.fixture
def norole(db):
    return User.objects.create_user(username="newcomer", password="x", role="", unit=None)


def test_an_account_without_a_role_reads_what_the_help_centre_shows(api, client, org, articles, norole):
    internal, public = articles
    assert set(articles_visible_to(norole)) == {public}
    assert [a.pk for a in article_search(user=norole, query="暖气片不热").articles] == [public.pk]
    assert {a.pk for a in article_search(user=org.technician, query="暖气片不热").articles} == {internal.pk, public.pk}
    assert api(norole).get(f"/api/v1/knowledge/articles/{internal.pk}/").status_code == 404
    assert api(org.technician).get(f"/api/v1/knowledge/articles/{internal.pk}/").status_code == 200
    reply_template_save(name="受理回复", body="您好，您的工单{工单号}已受理。", actor=org.supervisor)
    assert api(norole).get("/api/v1/knowledge/templates/").status_code == 403
    assert api(norole).get("/api/v1/knowledge/scripts/").status_code == 403
    client.force_login(norole)
    page = client.get(reverse("knowledge:search"), {"q": "暖气片不热"}).content.decode()
    assert "暖气片不热怎么办" in page and "内部处理流程" not in page
    assert reverse("knowledge:templates") not in page  # no link to what would be refused
    assert client.get(reverse("knowledge:templates")).status_code == 403
    assert client.get(reverse("knowledge:article", args=[internal.pk])).status_code == 404


def test_writers_are_refused_before_their_input_is_read(api, org, articles):
    internal, _public = articles
    assert api(org.agent).post("/api/v1/knowledge/articles/", {}, format="json").status_code == 403
    assert api(org.supervisor).post("/api/v1/knowledge/articles/", {}, format="json").status_code == 400
    url = f"/api/v1/knowledge/articles/{internal.pk}/"
    assert api(org.agent).patch(url, {}, format="json").status_code == 403
    assert api(org.supervisor).patch(url, {}, format="json").status_code == 400
    assert api(org.agent).post("/api/v1/knowledge/templates/", {}, format="json").status_code == 403
    assert api(org.supervisor).post("/api/v1/knowledge/templates/", {}, format="json").status_code == 400


def test_a_template_never_names_an_anonymous_complainant(org, make_case):
    anonymous = make_case(is_anonymous=True)
    rendered = render_text("{客户姓名}您好，您的工单{工单号}已受理。", values_for_case(anonymous, org.agent))
    assert rendered.text == f"【客户姓名】您好，您的工单{anonymous.number}已受理。"
    assert rendered.missing == ["客户姓名"]
    named = make_case()
    assert render_text("{客户姓名}您好", values_for_case(named, org.agent)).text == "王建国您好"


def test_the_receiver_of_a_transferred_case_may_not_mark_it_solved(org, articles, make_case):
    internal, _public = articles
    case = make_case()
    case = case_transfer(case=case, actor=org.agent, expected_version=case.version, new_owner=org.agent2, reason="换班")
    with pytest.raises(ForbiddenError):
        article_mark_solved(article=internal, case=case, actor=org.agent)  # still reads it, no longer acts
    assert article_mark_solved(article=internal, case=case, actor=org.agent2)
