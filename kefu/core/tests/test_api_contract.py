"""The OpenAPI schema tells the truth, and the endpoints added for what had no API yet work."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator

from kefu.cases.models import Approval, Case, CaseEvent
from kefu.sla.models import Clock, ClockNotice

URL = "/api/v1/cases/"


@pytest.fixture(scope="module")
def schema():
    with translation.override("zh-hans"):
        return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema, name):
    return schema["components"]["schemas"][name]["properties"]


def test_blank_values_the_api_returns_are_in_the_schema(schema):
    email = _component(schema, "Contact")["email"]
    assert {"type": "string", "maxLength": 0} in email["oneOf"]  # "" when no address is known
    responsibility = _component(schema, "CaseDetail")["responsibility"]
    refs = [item["$ref"].rsplit("/", 1)[-1] for item in responsibility["oneOf"]]
    assert refs == ["ResponsibilityEnum", "BlankEnum"]
    assert schema["components"]["schemas"]["BlankEnum"]["enum"] == [""]


def test_labels_and_counting_match_the_rulebook(schema):
    assert _component(schema, "Clock")["unit"]["title"] == "时限单位"  # a duration unit, not 部门
    assert _component(schema, "Approval")["step"]["minimum"] == 1
    assert "recipients" in _component(schema, "ClockNotice")


@pytest.mark.parametrize(
    ("component", "required"),
    [
        ("CaseTransferRequest", True),
        ("CaseReasonRequest", True),  # suspend, withdraw, reopen
        ("CaseResumeRequest", False),
        ("CaseMergeRequest", False),
        ("CaseClassificationRequest", True),
    ],
)
def test_a_reason_is_documented_as_required_exactly_where_the_service_requires_it(schema, component, required):
    assert ("reason" in schema["components"]["schemas"][component].get("required", [])) is required


def test_every_operation_documents_400_and_every_list_its_bad_cursor_404(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "400" in operation["responses"], (method, path)
            if method == "post":
                assert "413" in operation["responses"], (method, path)
            if any(p["name"] == "cursor" for p in operation.get("parameters", [])):
                assert "404" in operation["responses"], (method, path)
    assert "/api/v1/cases/{id}/classification/" in schema["paths"]
    assert "/api/v1/reports/monthly/" in schema["paths"]


# --------------------------------------------------------------------------------------------------


def test_approval_steps_count_from_one(api, org, make_case):
    case = make_case()
    Approval.objects.create(
        case=case, approval_round=1, step=0, role="supervisor", approver=org.cs_supervisor, decision="approved"
    )
    body = api(org.agent).get(f"{URL}{case.pk}/").json()
    assert [a["step"] for a in body["approvals"]] == [1]


def test_a_clock_says_whom_each_notice_reached(api, org, make_case):
    case = make_case()
    clock = Clock.objects.filter(case=case).order_by("pk").first()
    ClockNotice.objects.create(
        clock=clock, kind="warning", level=0, fired_at=timezone.now(), recipients=[org.agent.pk, org.cs_supervisor.pk]
    )
    clocks = api(org.agent).get(f"{URL}{case.pk}/clocks/").json()
    notices = next(c for c in clocks if c["id"] == clock.pk)["notices"]
    assert [(r["id"], r["username"]) for r in notices[0]["recipients"]] == [
        (org.agent.pk, "agent"),
        (org.cs_supervisor.pk, "cs_supervisor"),
    ]


def test_a_case_is_fetched_by_its_number(api, org, make_case):
    case, other = make_case(), make_case()
    results = api(org.agent).get(URL, {"number": case.number}).json()["results"]
    assert [r["id"] for r in results] == [case.pk] and other.number != case.number
    assert api(org.agent).get(URL, {"number": "KF000000000"}).json()["results"] == []


def test_classification_change_over_the_api(api, org, make_case):
    case = make_case()
    client = api(org.agent)  # the owner
    response = client.post(
        f"{URL}{case.pk}/classification/",
        {"severity": "serious", "reason": "客户再次来电", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["severity"], body["version"], body["category"]) == ("serious", 2, "attitude")
    assert CaseEvent.objects.filter(case=case, kind="classification").count() == 1
    stale = client.post(f"{URL}{case.pk}/classification/", {"severity": "normal", "reason": "x", "version": 1})
    assert stale.status_code == 409
    missing = client.post(f"{URL}{case.pk}/classification/", {"severity": "normal", "version": 2}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    unknown = client.post(
        f"{URL}{case.pk}/classification/", {"severity": "nope", "reason": "x", "version": 2}, format="json"
    )
    assert unknown.status_code == 400 and "severity" in unknown.json()["errors"]
    outsider = api(org.outsider).post(
        f"{URL}{case.pk}/classification/", {"severity": "normal", "reason": "x", "version": 2}, format="json"
    )
    assert outsider.status_code == 404
    assert Case.objects.get(pk=case.pk).severity == "serious"


@pytest.mark.parametrize("action", ["suspend", "withdraw"])
def test_operations_that_need_a_reason_refuse_none_with_400(api, org, make_case, action):
    case = make_case()
    response = api(org.admin).post(f"{URL}{case.pk}/{action}/", {"version": 1}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).version == 1
