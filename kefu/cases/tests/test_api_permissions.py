"""Who may see and touch what, endpoint by endpoint.

A case outside someone's visible set answers 404 everywhere (never 403), so the API does not even
confirm that the case exists; role refusals on a visible case answer 403.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.models import Case
from kefu.cases.services import case_transition

CASE_ENDPOINTS = [
    ("get", "", None),
    ("get", "customer-view/", None),
    ("post", "transition/", {"transition": "establish", "version": 1}),
    ("post", "transfer/", {"new_owner": "agent2", "version": 1, "reason": "换人"}),
    ("post", "suspend/", {"version": 1, "reason": "等待客户资料"}),
    ("post", "resume/", {"version": 1}),
    ("post", "withdraw/", {"version": 1, "reason": "客户撤回"}),
    ("post", "reopen/", {"version": 1, "reason": "客户再次来电"}),
    ("post", "merge/", {"into": "other_case", "version": 1}),
    ("post", "notes/", {"body": "内部备注"}),
    ("post", "attachments/", "file"),
]
ENDPOINT_IDS = [f"{m}-{p or 'detail'}" for m, p, _ in CASE_ENDPOINTS]


def _call(client, method, url, body, *, org, other_case=None):
    if body == "file":
        upload = SimpleUploadedFile("photo.jpg", b"\xff\xd8data", content_type="image/jpeg")
        return client.post(url, {"file": upload}, format="multipart")
    if body is None:
        return getattr(client, method)(url)
    resolved = {}
    for key, value in body.items():
        if value == "agent2":
            value = org.agent2.pk
        elif value == "other_case":
            value = other_case.pk
        resolved[key] = value
    return getattr(client, method)(url, resolved, format="json")


@pytest.mark.parametrize(("method", "suffix", "body"), CASE_ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_is_refused_on_every_case_endpoint(api, org, make_case, method, suffix, body):
    case = make_case()
    response = _call(api(None), method, f"/api/v1/cases/{case.pk}/{suffix}", body, org=org, other_case=case)
    assert response.status_code == 401
    case.refresh_from_db()
    assert case.version == 1


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/cases/", None),
        ("post", "/api/v1/cases/", {"case_type": "complaint"}),
        ("get", "/api/v1/customers/", None),
        ("get", "/api/v1/customers/?q=138", None),
        ("post", "/api/v1/customers/", {"name": "李四", "phone": "13900001111"}),
        ("get", "/api/v1/customers/{customer}/", None),
        ("get", "/api/v1/units/", None),
        ("get", "/api/v1/staff/", None),
        ("get", "/api/v1/rulebooks/", None),
    ],
)
def test_anonymous_is_refused_on_every_collection_endpoint(api, rulebooks, customer, method, url, body):
    url = url.format(customer=customer.pk)
    response = getattr(api(None), method)(url, body, format="json") if body else getattr(api(None), method)(url)
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("who", ["outsider", "outsider_supervisor", "agent2", "technician", "handler", "supervisor"])
@pytest.mark.parametrize(("method", "suffix", "body"), CASE_ENDPOINTS, ids=ENDPOINT_IDS)
def test_people_outside_the_case_get_404_and_change_nothing(api, org, make_case, who, method, suffix, body):
    case = make_case()
    other = make_case(title="重复来电")
    response = _call(
        api(getattr(org, who)), method, f"/api/v1/cases/{case.pk}/{suffix}", body, org=org, other_case=other
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert (case.version, case.stage, case.status, case.owner_id) == (1, "registered", "open", org.agent.pk)
    assert case.events.count() == 1
    assert case.notes.count() == 0 and case.attachments.count() == 0


@pytest.mark.parametrize("who", ["outsider", "outsider_supervisor", "agent2", "technician", "handler", "supervisor"])
def test_people_outside_the_case_get_an_empty_list(api, org, make_case, who):
    make_case()
    response = api(getattr(org, who)).get("/api/v1/cases/")
    assert response.status_code == 200
    assert response.json()["results"] == []


def _visible(client, case) -> tuple[int, bool]:
    detail = client.get(f"/api/v1/cases/{case.pk}/").status_code
    listed = case.pk in [row["id"] for row in client.get("/api/v1/cases/").json()["results"]]
    return detail, listed


# Before routing the case sits in 客服部 (where agent received it); routing sends it to 售后部 with the
# handler assigned. (who, sees before routing, sees after routing)
VISIBILITY = [
    ("agent", True, True),  # received and owns it
    ("agent2", False, False),  # same unit, but an agent only sees their own cases
    ("cs_supervisor", True, True),  # supervisor of the receiving unit
    ("supervisor", False, True),  # supervisor of the responsible unit, once routed there
    ("manager", False, True),
    ("handler", False, True),  # assigned on routing
    ("technician", False, False),  # in a team below 售后部, but not a unit-seeing role
    ("outsider", False, False),  # agent in another city
    ("outsider_supervisor", False, False),  # supervisor in another city
    ("gm", True, True),
    ("deputy_gm", True, True),
    ("quality", True, True),
    ("admin", True, True),
]


@pytest.mark.parametrize(("who", "before", "after"), VISIBILITY)
def test_visibility_by_role_before_and_after_routing(api, org, make_case, who, before, after):
    case = make_case()
    client = api(getattr(org, who))
    assert _visible(client, case) == ((200, True) if before else (404, False))
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=1)
    case_transition(
        case=case,
        actor=org.agent,
        transition="route",
        expected_version=case.version,
        data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
    )
    assert _visible(client, case) == ((200, True) if after else (404, False))


@pytest.mark.parametrize("who", ["outsider", "agent2", "technician", "gm"])
# The customer directory is not reference data: kefu/core/tests/test_permission_matrix.py covers who reads it.
@pytest.mark.parametrize("url", ["/api/v1/units/", "/api/v1/staff/", "/api/v1/rulebooks/"])
def test_reference_data_is_readable_by_every_member_of_staff(api, org, rulebooks, customer, who, url):
    response = api(getattr(org, who)).get(url)
    assert response.status_code == 200
    body = response.json()
    rows = body if isinstance(body, list) else body["results"]
    assert rows


@pytest.mark.parametrize("who", ["outsider", "agent2", "gm"])
def test_any_member_of_staff_may_open_a_customer_file_and_register_a_case(api, org, rulebooks, customer, who):
    client = api(getattr(org, who))
    response = client.post("/api/v1/customers/", {"name": "李四", "phone": "13900001111"}, format="json")
    assert response.status_code == 201
    response = client.post(
        "/api/v1/cases/",
        {
            "case_type": "inquiry",
            "customer": response.json()["id"],
            "channel": "phone",
            "title": "咨询",
            "description": "问价格",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["owner"]["id"] == getattr(org, who).pk


def test_recusal_the_person_complained_about_never_sees_the_case(api, org, make_case):
    # The aftersales supervisor would see a case routed to their unit, but not one about themselves.
    case = make_case(subject_person=org.supervisor)
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=1)
    case_transition(
        case=case, actor=org.agent, transition="route", expected_version=case.version, data={"unit": org.aftersales.pk}
    )
    client = api(org.supervisor)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}/customer-view/").status_code == 404
    assert client.post(f"/api/v1/cases/{case.pk}/notes/", {"body": "我来说明"}, format="json").status_code == 404
    assert case.pk not in [row["id"] for row in client.get("/api/v1/cases/").json()["results"]]
    # The manager of the same unit does see it.
    assert api(org.manager).get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_recusal_routing_to_the_person_complained_about_is_refused(api, org, make_case):
    case = make_case(subject_person=org.handler)
    client = api(org.agent)
    client.post(f"/api/v1/cases/{case.pk}/transition/", {"transition": "establish", "version": 1}, format="json")
    response = client.post(
        f"/api/v1/cases/{case.pk}/transition/",
        {"transition": "route", "version": 2, "data": {"unit": org.aftersales.pk, "assignee": org.handler.pk}},
        format="json",
    )
    assert response.status_code == 400
    assert "assignee" in response.json()["errors"]
    case.refresh_from_db()
    assert (case.stage, case.assignee_id, case.version) == ("forwarded", None, 2)


def test_recusal_transferring_to_the_person_complained_about_is_refused(api, org, make_case):
    case = make_case(subject_person=org.agent2)
    response = api(org.agent).post(
        f"/api/v1/cases/{case.pk}/transfer/",
        {"new_owner": org.agent2.pk, "version": 1, "reason": "换人"},
        format="json",
    )
    assert response.status_code == 400
    assert "new_owner" in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).owner_id == org.agent.pk


def test_a_role_refusal_on_a_visible_case_is_403(api, org, make_case):
    # The agent sees their own case but the rulebook gives suspension to supervisors.
    case = make_case()
    response = api(org.agent).post(
        f"/api/v1/cases/{case.pk}/suspend/", {"version": 1, "reason": "等资料"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    case.refresh_from_db()
    assert (case.status, case.version) == ("open", 1)
