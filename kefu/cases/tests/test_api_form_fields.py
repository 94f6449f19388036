"""Form fields, conditions and promised times through the REST API (format v2)."""

import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone

from kefu.cases.models import Case
from kefu.sla.models import Clock

URL = "/api/v1/cases/"


@pytest.fixture
def payload(customer):
    return {
        "rulebook": "format-v2",
        "case_type": "quality_claim",
        "category": "quality",
        "customer": customer.pk,
        "channel": "authority",
        "title": "端子尺寸超差",
        "description": "客户来料检验发现端子尺寸超差。",
        "fields": {"order_no": "SO-1", "defective_qty": "120", "loss_amount": 1500.5, "defects": ["size"]},
    }


def test_registration_with_fields_and_the_detail_shows_them(api, org, v2_rulebook, payload):
    response = api(org.agent).post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["fields"] == {"order_no": "SO-1", "defective_qty": 120, "loss_amount": "1500.50", "defects": ["size"]}
    assert body["fields_display"] == {
        "order_no": "SO-1",
        "defective_qty": "120",
        "loss_amount": "1,500.50",
        "defects": "尺寸",
    }
    assert body["channel_label"] == "上级机关转办" and body["sealed"] is False
    detail = api(org.agent).get(f"{URL}{body['id']}/").json()
    assert detail["fields"] == body["fields"]


def test_bad_field_values_are_400_per_field(api, org, v2_rulebook, payload):
    payload["fields"] = {"defective_qty": "many", "loss_amount": "1.234", "colour": "red"}
    response = api(org.agent).post(URL, payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"fields.defective_qty", "fields.loss_amount", "fields.colour", "fields.order_no"}
    assert errors["fields.order_no"] == ["此字段为必填项。"]  # Chinese unless Accept-Language asks otherwise
    assert not Case.objects.exists()


def test_field_update_operation(api, org, v2_rulebook, payload):
    case_id = api(org.agent).post(URL, payload, format="json").json()["id"]
    url = f"{URL}{case_id}/fields/"
    refused = api(org.agent).post(url, {"version": 1, "fields": {"penalty": "fine"}}, format="json")
    assert refused.status_code == 403
    done = api(org.quality).post(url, {"version": 1, "fields": {"penalty": "fine"}, "reason": "判定"}, format="json")
    assert done.status_code == 200
    body = done.json()
    assert body["version"] == 2 and body["fields"]["penalty"] == "fine"
    assert body["events"][-1]["kind"] == "fields" and body["events"][-1]["data"]["changes"] == {
        "penalty": [None, "fine"]
    }
    stale = api(org.quality).post(url, {"version": 1, "fields": {"penalty": "none"}}, format="json")
    assert stale.status_code == 409
    assert api(org.quality).post(url, {"version": 2, "fields": "fine"}, format="json").status_code == 400


def test_filter_on_a_choice_field(api, org, v2_rulebook, payload):
    client = api(org.quality)
    ids = {}
    for penalty in ("fine", "none", None):
        # Registered by the agent (quality does not take calls: the directory is the intake roles'), judged by quality.
        case_id = api(org.agent).post(URL, payload, format="json").json()["id"]
        if penalty:
            client.post(f"{URL}{case_id}/fields/", {"version": 1, "fields": {"penalty": penalty}}, format="json")
        ids[penalty] = case_id
    found = [c["id"] for c in client.get(URL, {"field": "penalty:fine"}).json()["results"]]
    assert found == [ids["fine"]]
    both = client.get(URL, {"field": ["penalty:none", "defects:size"]}).json()["results"]
    assert [c["id"] for c in both] == [ids["none"]]
    bad = client.get(URL, {"field": "penalty"})
    assert bad.status_code == 400 and "field" in bad.json()["errors"]


def test_a_transition_refused_by_its_condition_and_the_input_it_requires(api, org, v2_rulebook, payload):
    payload["fields"]["defective_qty"] = 5
    case_id = api(org.agent).post(URL, payload, format="json").json()["id"]
    api(org.agent).post(f"{URL}{case_id}/transition/", {"transition": "to_qa", "version": 1}, format="json")
    detail = api(org.quality).get(f"{URL}{case_id}/").json()
    assert {t["name"] for t in detail["allowed_transitions"]} == {"qa_done"}
    refused = api(org.quality).post(
        f"{URL}{case_id}/transition/", {"transition": "to_rnd", "version": 2}, format="json"
    )
    assert refused.status_code == 400
    assert "fields.defective_qty > 100" in refused.json()["detail"]


def test_promise_a_time_through_the_api(api, org, v2_rulebook, payload):
    client = api(org.agent)
    case_id = client.post(URL, payload, format="json").json()["id"]
    steps = [
        (org.agent, "to_qa", {}),
        (org.quality, "qa_done", {"cause": "模具", "responsibility": "company"}),
        (org.agent, "propose", {"remedies": [{"kind": "apology", "amount": "0"}]}),
        (org.admin, "route_approve", {}),  # the sales manager's step (an administrator here: they see the case)
    ]
    for version, (actor, name, data) in enumerate(steps, start=1):
        response = api(actor).post(
            f"{URL}{case_id}/transition/", {"transition": name, "version": version, "data": data}, format="json"
        )
        assert response.status_code == 200, response.json()
    clock = Clock.objects.get(case_id=case_id, key="reply_promise")
    listed = {c["key"]: c for c in client.get(f"{URL}{case_id}/clocks/").json()}
    assert listed["reply_promise"]["awaiting_promise"] is True and listed["reply_promise"]["deadline"] is None
    promised = (timezone.now() + dt.timedelta(hours=5)).replace(second=0, microsecond=0)
    response = client.post(
        f"{URL}{case_id}/clocks/{clock.pk}/promise/",
        {"version": 5, "deadline": promised.isoformat(), "reason": "电话承诺五小时内答复"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert dt.datetime.fromisoformat(response.json()["deadline"]) == promised
    too_late = client.post(
        f"{URL}{case_id}/clocks/{clock.pk}/promise/",
        {"version": 6, "deadline": (promised + dt.timedelta(days=5)).isoformat(), "reason": "x"},
        format="json",
    )
    assert too_late.status_code == 400 and "deadline" in too_late.json()["errors"]


def test_rulebooks_endpoint_and_schema_document_the_fields(api, org, v2_rulebook, tmp_path):
    books = {b["key"]: b for b in api(org.agent).get("/api/v1/rulebooks/").json()}
    claim = next(t for t in books["format-v2"]["case_types"] if t["code"] == "quality_claim")
    penalty = next(f for f in claim["fields"] if f["key"] == "penalty")
    assert penalty["type"] == "choice" and [o["code"] for o in penalty["options"]] == ["none", "fine", "bonus_cut"]
    assert [c["code"] for c in claim["channels"]] == ["hotline", "letter", "authority"]
    to_rnd = next(t for t in claim["transitions"] if t["name"] == "to_rnd")
    assert to_rnd["when"].startswith("fields.defective_qty > 100")
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate")
    schema = yaml.safe_load(out.read_text(encoding="utf-8"))
    detail = schema["components"]["schemas"]["CaseDetail"]["properties"]
    assert detail["fields"]["type"] == "object" and "money: string with 2 decimals" in detail["fields"]["description"]
    assert "/api/v1/cases/{id}/fields/" in schema["paths"]
    assert "/api/v1/cases/{id}/clocks/{clock_id}/promise/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert "field" in params
