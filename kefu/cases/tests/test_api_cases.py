"""Registering, reading, filtering and annotating cases through /api/v1/cases/."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.cases.models import Case, IdempotencyRecord
from kefu.cases.services import case_add_note, case_transition

URL = "/api/v1/cases/"


@pytest.fixture
def payload(customer):
    return {
        "case_type": "complaint",
        "category": "attitude",
        "customer": customer.pk,
        "channel": "hotline",
        "title": "上门人员迟到",
        "description": "约定上午九点，十一点才到。",
    }


# --------------------------------------------------------------------------------------------------
# Creation


def test_create_registers_the_case_owned_by_the_caller(api, org, rulebooks, payload):
    response = api(org.agent).post(URL, payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("KF")
    assert body["stage"] == "registered" and body["stage_label"] == "已受理"
    assert body["type_label"] == "投诉"
    assert body["version"] == 1
    assert body["owner"]["id"] == org.agent.pk and body["receiver"]["id"] == org.agent.pk
    assert body["receiving_unit"]["id"] == org.service.pk
    assert body["severity"] == "normal"  # the rulebook's first severity
    assert [e["kind"] for e in body["events"]] == ["registered"]
    assert {t["name"] for t in body["allowed_transitions"]} == {"establish", "not_established"}
    case = Case.objects.get(pk=body["id"])
    assert case.title == "上门人员迟到" and case.channel == "hotline"


def test_same_idempotency_key_twice_creates_one_case(api, org, rulebooks, payload):
    client = api(org.agent)
    first = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="call-42")
    # A retry: same content, different key order in the JSON.
    second = client.post(URL, dict(reversed(list(payload.items()))), format="json", HTTP_IDEMPOTENCY_KEY="call-42")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="call-42").case_id == first.json()["id"]


def test_the_201_body_is_the_cases_detail(api, org, rulebooks, payload, django_assert_max_num_queries):
    # The response is built from the registered objects in memory, not re-read: it must still be
    # exactly what GET answers, subject, clocks' history and all.
    client = api(org.agent)
    payload = {**payload, "subject_person": org.technician.pk, "severity": "serious"}
    client.post(URL, payload, format="json")  # warm the per-process rulebook and calendar caches
    with django_assert_max_num_queries(20):
        created = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="call-43")
    assert created.status_code == 201
    body = created.json()
    assert body["subject_unit"]["id"] == org.team.pk and body["rulebook"] == "service-complaint"
    assert body == client.get(f"{URL}{body['id']}/").json()
    repeat = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="call-43")
    assert repeat.status_code == 200 and repeat.json() == body


def test_same_idempotency_key_with_another_payload_is_refused(api, org, rulebooks, payload):
    client = api(org.agent)
    assert client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    response = client.post(URL, {**payload, "title": "另一件事"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 400
    assert "idempotency_key" in response.json()["errors"]
    assert Case.objects.count() == 1


def test_idempotency_keys_belong_to_one_person(api, org, rulebooks, payload):
    # Two agents who happen to pick the same key each get their own case.
    first = api(org.agent).post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="same")
    second = api(org.agent2).post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]


def test_without_a_key_every_post_creates_a_case(api, org, rulebooks, payload):
    client = api(org.agent)
    numbers = {client.post(URL, payload, format="json").json()["number"] for _ in range(3)}
    assert len(numbers) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"case_type": "lawsuit"}, "case_type"),
        ({"category": "fault"}, "category"),  # a repair category, not a complaint one
        ({"severity": "apocalyptic"}, "severity"),
        ({"channel": "pigeon"}, "channel"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"description": "   "}, "description"),
        ({"customer": 999999}, "customer"),
        ({"customer": "abc"}, "customer"),
        ({"customer": 10**30}, "customer"),
        ({"subject_person": 999999}, "subject_person"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"is_anonymous": "perhaps"}, "is_anonymous"),
        ({"rulebook": "no-such-rulebook"}, "rulebook"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, org, rulebooks, payload, change, field):
    data = {**payload, **change}
    response = api(org.agent).post(URL, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert Case.objects.count() == 0


def test_missing_title_is_reported_with_the_other_missing_fields(api, org, rulebooks):
    response = api(org.agent).post(URL, {"case_type": "complaint"}, format="json")
    assert response.status_code == 400
    assert {"title", "description", "customer", "channel"} <= set(response.json()["errors"])


def test_a_case_received_in_the_future_is_refused(api, org, rulebooks, payload):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    response = api(org.agent).post(URL, {**payload, "received_at": later}, format="json")
    assert response.status_code == 400
    assert "received_at" in response.json()["errors"]


@pytest.mark.parametrize("body", [[1, 2, 3], "just a string", 42])
def test_a_body_that_is_not_an_object_is_400(api, org, rulebooks, body):
    response = api(org.agent).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_malformed_json_is_400(api, org, rulebooks):
    response = api(org.agent).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_update_and_delete_do_not_exist(api, org, make_case):
    case = make_case()
    client = api(org.gm)
    assert client.put(f"{URL}{case.pk}/", {"title": "x"}, format="json").status_code == 405
    assert client.patch(f"{URL}{case.pk}/", {"title": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}{case.pk}/").status_code == 405
    assert Case.objects.get(pk=case.pk).title == case.title


@pytest.mark.parametrize("pk", ["abc", "99999999", "99999999999999999999999"])
def test_unknown_case_ids_are_404(api, org, make_case, pk):
    make_case()
    response = api(org.gm).get(f"{URL}{pk}/")
    assert response.status_code == 404


# --------------------------------------------------------------------------------------------------
# Detail and the customer's view


def _complaint_with_everything(org, make_case):
    case = make_case(subject_person=org.technician)
    steps = [
        ("establish", org.agent, {}),
        ("route", org.agent, {"unit": org.aftersales.pk, "assignee": org.handler.pk}),
        ("finding", org.handler, {"cause": "技术员私自改约", "responsibility": "company"}),
        ("propose_remedy", org.handler, {"remedies": [{"kind": "compensation", "amount": "1500"}]}),
        ("approve", org.manager, {"comment": "同意"}),
        ("reply", org.handler, {"reply": "已致歉并补偿一千五百元"}),
    ]
    for name, actor, data in steps:
        case = case_transition(case=case, actor=actor, transition=name, expected_version=case.version, data=data)
    case_add_note(case=case, actor=org.handler, body="技术员绩效扣分", visibility="internal")
    case_add_note(case=case, actor=org.handler, body="师傅明天上午再来一次", visibility="customer")
    return Case.objects.get(pk=case.pk)


def test_detail_shows_history_remedies_approvals_and_what_the_user_may_do(api, org, make_case):
    case = _complaint_with_everything(org, make_case)
    body = api(org.handler).get(f"{URL}{case.pk}/").json()
    assert body["stage"] == "awaiting_customer" and body["stage_label"] == "待客户确认"
    assert body["version"] == case.version
    assert [e["transition"] for e in body["events"] if e["kind"] == "transition"] == [
        "establish",
        "route",
        "finding",
        "propose_remedy",
        "approve",
        "reply",
    ]
    assert body["remedies"][0]["kind"] == "compensation" and body["remedies"][0]["amount"] == "1500.00"
    assert body["approvals"][0]["approver"]["id"] == org.manager.pk
    assert {n["visibility"] for n in body["notes"]} == {"internal", "customer"}
    assert body["cause"] == "技术员私自改约"
    assert body["subject_person"]["id"] == org.technician.pk
    allowed = {t["name"]: t for t in body["allowed_transitions"]}
    assert set(allowed) == {"customer_accept", "customer_reject"}
    assert allowed["customer_accept"]["label"] == "客户接受" and allowed["customer_accept"]["action"]


def test_allowed_transitions_depend_on_the_person_asking(api, org, make_case):
    case = make_case()
    case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=1)
    case = case_transition(
        case=case, actor=org.agent, transition="route", expected_version=2, data={"unit": org.aftersales.pk}
    )
    # At 'investigating' only handler/supervisor/manager may record the finding; the agent may not.
    assert api(org.agent).get(f"{URL}{case.pk}/").json()["allowed_transitions"] == []
    assert [t["name"] for t in api(org.supervisor).get(f"{URL}{case.pk}/").json()["allowed_transitions"]] == ["finding"]


def test_customer_view_shows_only_what_the_customer_may_see(api, org, make_case):
    case = _complaint_with_everything(org, make_case)
    client = api(org.agent)
    upload = SimpleUploadedFile("内部照片.jpg", b"\xff\xd8\xff\xe0internal", content_type="image/jpeg")
    client.post(f"{URL}{case.pk}/attachments/", {"file": upload}, format="multipart")
    upload = SimpleUploadedFile("回执.pdf", b"%PDF receipt", content_type="application/pdf")
    client.post(f"{URL}{case.pk}/attachments/", {"file": upload, "visibility": "customer"}, format="multipart")

    response = client.get(f"{URL}{case.pk}/customer-view/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "number",
        "type_label",
        "stage_label",
        "status",
        "received_at",
        "reply",
        "notes",
        "attachments",
    }
    assert body["number"] == case.number and body["type_label"] == "投诉" and body["stage_label"] == "待客户确认"
    assert body["reply"] == "已致歉并补偿一千五百元"
    assert [n["body"] for n in body["notes"]] == ["已致歉并补偿一千五百元", "师傅明天上午再来一次"]
    assert [a["name"] for a in body["attachments"]] == ["回执.pdf"]
    text = response.content.decode()
    for secret in ("技术员私自改约", "技术员绩效扣分", "内部照片", "1500", "company", "technician", "manager"):
        assert secret not in text


def test_notes_are_added_with_their_visibility(api, org, make_case):
    case = make_case()
    client = api(org.agent)
    response = client.post(f"{URL}{case.pk}/notes/", {"body": "已电话联系", "visibility": "customer"}, format="json")
    assert response.status_code == 201
    assert response.json()["visibility"] == "customer" and response.json()["author"]["id"] == org.agent.pk
    assert client.post(f"{URL}{case.pk}/notes/", {"body": ""}, format="json").json()["errors"]["body"]
    response = client.post(f"{URL}{case.pk}/notes/", {"body": "x", "visibility": "public"}, format="json")
    assert response.status_code == 400 and "visibility" in response.json()["errors"]
    detail = client.get(f"{URL}{case.pk}/").json()
    assert [n["body"] for n in detail["notes"]] == ["已电话联系"]
    assert detail["version"] == 2 and detail["events"][-1]["kind"] == "note"


def test_attachments_are_uploaded_as_multipart(api, org, make_case):
    case = make_case()
    client = api(org.agent)
    upload = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    response = client.post(f"{URL}{case.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    assert response.json()["name"] == "现场.jpg" and response.json()["size"] == 103
    assert response.json()["visibility"] == "internal"
    response = client.post(f"{URL}{case.pk}/attachments/", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert client.get(f"{URL}{case.pk}/").json()["attachments"][0]["name"] == "现场.jpg"


def test_an_attachment_over_the_limit_is_refused(api, org, make_case, settings):
    settings.KEFU_MAX_ATTACHMENT_BYTES = 10
    case = make_case()
    upload = SimpleUploadedFile("big.bin", b"x" * 11)
    response = api(org.agent).post(f"{URL}{case.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert case.attachments.count() == 0


# --------------------------------------------------------------------------------------------------
# Lists: filters, ordering, pagination, query count


def _ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_list_filters(api, org, make_case, customer):
    from kefu.customers.services import customer_create

    other_customer = customer_create(name="李娜", phone="13900002222")
    complaint = make_case(title="态度差")
    inquiry = make_case("inquiry", title="咨询价格", channel="wechat", severity="serious")
    repair = make_case("repair", title="空调不制冷", customer=other_customer, actor=org.agent2)
    routed = make_case(title="迟到")
    routed = case_transition(case=routed, actor=org.agent, transition="establish", expected_version=1)
    routed = case_transition(
        case=routed,
        actor=org.agent,
        transition="route",
        expected_version=2,
        data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
    )
    client = api(org.gm)
    assert set(_ids(client.get(URL))) == {complaint.pk, inquiry.pk, repair.pk, routed.pk}
    assert set(_ids(client.get(URL, {"case_type": "complaint"}))) == {complaint.pk, routed.pk}
    assert _ids(client.get(URL, {"channel": "wechat"})) == [inquiry.pk]
    assert _ids(client.get(URL, {"severity": "serious"})) == [inquiry.pk]
    assert _ids(client.get(URL, {"category": "fault"})) == [repair.pk]
    assert _ids(client.get(URL, {"stage": "investigating"})) == [routed.pk]
    assert set(_ids(client.get(URL, {"status": "open"}))) == {complaint.pk, inquiry.pk, repair.pk, routed.pk}
    assert _ids(client.get(URL, {"status": "closed"})) == []
    assert _ids(client.get(URL, {"responsible_unit_id": org.aftersales.pk})) == [routed.pk]
    assert _ids(client.get(URL, {"assignee_id": org.handler.pk})) == [routed.pk]
    assert _ids(client.get(URL, {"owner_id": org.agent2.pk})) == [repair.pk]
    assert _ids(client.get(URL, {"customer_id": other_customer.pk})) == [repair.pk]
    assert _ids(client.get(URL, {"q": "空调"})) == [repair.pk]
    assert _ids(client.get(URL, {"q": inquiry.number})) == [inquiry.pk]
    assert _ids(client.get(URL, {"q": inquiry.number[:-1]})) == []  # numbers match exactly


def test_received_date_filters(api, org, make_case):
    now = timezone.now()
    old = make_case(received_at=now - timedelta(days=10))
    new = make_case(received_at=now - timedelta(hours=1))
    client = api(org.gm)
    cut = (now - timedelta(days=1)).isoformat()
    assert _ids(client.get(URL, {"received_after": cut})) == [new.pk]
    assert _ids(client.get(URL, {"received_before": cut})) == [old.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"channel": "pigeon"}, "channel"),
        ({"owner_id": "abc"}, "owner_id"),
        ({"owner_id": "1.5"}, "owner_id"),
        ({"customer_id": "99999999999999999999999"}, "customer_id"),
        ({"received_after": "last tuesday"}, "received_after"),
    ],
)
def test_bad_filter_values_are_400(api, org, make_case, params, field):
    make_case()
    response = api(org.gm).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_list_only_filters_within_what_the_user_may_see(api, org, make_case):
    mine = make_case()
    make_case(actor=org.agent2)
    assert _ids(api(org.agent).get(URL, {"case_type": "complaint"})) == [mine.pk]


def test_ordering(api, org, make_case):
    now = timezone.now()
    a = make_case(received_at=now - timedelta(hours=3))
    b = make_case(received_at=now - timedelta(hours=1))
    c = make_case(received_at=now - timedelta(hours=2))
    client = api(org.gm)
    assert _ids(client.get(URL)) == [b.pk, c.pk, a.pk]  # newest first by default
    assert _ids(client.get(URL, {"ordering": "received_at"})) == [a.pk, c.pk, b.pk]
    assert _ids(client.get(URL, {"ordering": "number"})) == [a.pk, b.pk, c.pk]
    assert _ids(client.get(URL, {"ordering": "-id"})) == [c.pk, b.pk, a.pk]


def test_cursor_pagination_walks_every_case_once(api, org, make_case):
    cases = [make_case(title=f"第{i}件") for i in range(7)]
    client = api(org.gm)
    seen, url, pages = [], URL + "?page_size=3", 0
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 3
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(c.pk for c in cases)


def test_list_query_count_does_not_grow_with_the_page(api, org, make_case, django_assert_max_num_queries):
    for i in range(15):
        case = make_case(title=f"第{i}件")
        if i % 2:
            case = case_transition(case=case, actor=org.agent, transition="establish", expected_version=1)
            case_transition(
                case=case,
                actor=org.agent,
                transition="route",
                expected_version=2,
                data={"unit": org.aftersales.pk, "assignee": org.handler.pk},
            )
    client = api(org.gm)
    client.get(URL)  # warm the per-process rulebook cache
    with django_assert_max_num_queries(3):
        response = client.get(URL)
    rows = response.json()["results"]
    assert len(rows) == 15
    assert {r["responsible_unit"]["name"] for r in rows if r["responsible_unit"]} == {"售后部"}
    assert all(r["customer_name"] == "王建国" and r["owner"]["name"] for r in rows)


def test_detail_query_count_is_bounded(api, org, make_case, django_assert_max_num_queries):
    case = _complaint_with_everything(org, make_case)
    client = api(org.gm)
    client.get(f"{URL}{case.pk}/")
    with django_assert_max_num_queries(12):
        response = client.get(f"{URL}{case.pk}/")
    assert len(response.json()["events"]) == case.version
