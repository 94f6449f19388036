"""Odd input answers 400 (or 413) with a message naming the field, and changes nothing.

Each case here was a server error before (docs/api.md, "Limits"): non-ASCII digits that pass
str.isdigit() and then break int(), NUL characters that PostgreSQL refuses, lone UTF-16 surrogates
that no database can encode, bodies of any size, receipt dates the calendars cannot compute.
On SQLite several of them would even have been stored; the answers must be the same on both.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.cases.models import Case, CaseEvent, CaseNote
from kefu.customers.models import Customer

URL = "/api/v1/cases/"


def _errors(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json().get("errors", {})


class _Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def case(make_case):
    return make_case()


def _nothing_written(case) -> tuple[int, int, int]:
    case.refresh_from_db()
    return case.version, CaseEvent.objects.filter(case=case).count(), CaseNote.objects.filter(case=case).count()


# --------------------------------------------------------------------------------------------------
# Non-ASCII digits


@pytest.mark.parametrize("value", ["²", "٣", "１"])
def test_non_ascii_digit_ids_are_404_or_400_never_500(api, org, case, value):
    client = api(org.admin)
    response = client.get(f"{URL}{value}/clocks/")
    assert response.status_code == 404 and response.json() == {"detail": "未找到。"}
    assert client.post(f"/api/v1/notifications/{value}/read/").status_code == 404
    assert (
        client.post(f"{URL}{case.pk}/transition/", {"transition": "establish", "version": 1}, format="json").status_code
        == 200
    )
    before = _nothing_written(case)
    for data, field in (({"unit": value}, "unit"), ({"unit": org.aftersales.pk, "assignee": value}, "assignee")):
        body = {"transition": "route", "version": 2, "data": data}
        response = client.post(f"{URL}{case.pk}/transition/", body, format="json")
        assert response.status_code == 400 and list(_errors(response)) == [field]
    response = client.post(
        f"{URL}{case.pk}/transfer/", {"new_owner": value, "reason": "交班", "version": 2}, format="json"
    )
    assert response.status_code == 400 and "new_owner" in _errors(response)
    assert _nothing_written(case) == before


def test_non_ascii_page_numbers_show_the_first_page(client, org, case):
    client.force_login(org.agent)
    for url in ("/?page=²", "/inbox/?page=٣", "/intake/?customer=²"):
        assert client.get(url).status_code == 200, url


# --------------------------------------------------------------------------------------------------
# NUL characters and lone surrogates


def test_nul_in_a_query_parameter_is_400_naming_it(api, client, org, case):
    response = api(org.agent).get("/api/v1/customers/?q=a%00b")
    assert response.status_code == 400 and _errors(response) == {"q": ["不允许包含空字符（NUL）。"]}
    response = api(org.agent).get(f"{URL}?q=KF%00")
    assert response.status_code == 400 and "q" in _errors(response)
    client.force_login(org.agent)
    response = client.get("/intake/customers/?q=a%00b")
    assert response.status_code == 400 and "空字符" in response.content.decode()


def test_nul_in_a_path_is_400(api, client, org, case):
    client.force_login(org.agent)
    assert client.get("/cases/KF%00123/").status_code == 400
    response = api(org.agent).get(f"{URL}1%00/")
    assert response.status_code == 400 and "path" in _errors(response)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "不成立\x00"}, "data.reason"),
        ({"reason": "不成立", "comment": {"nested": ["ok", "bad\x00"]}}, "data.comment.nested[1]"),
        ({"reason": "half a pair \ud800"}, "data.reason"),
    ],
)
def test_nul_or_surrogate_anywhere_in_a_json_body_is_400_naming_the_field(api, org, case, data, field):
    before = _nothing_written(case)
    body = json.dumps({"transition": "not_established", "version": 1, "data": data})  # ensure_ascii: \u0000
    response = api(org.agent).post(f"{URL}{case.pk}/transition/", body, content_type="application/json")
    assert response.status_code == 400
    assert list(_errors(response)) == [field]
    assert _nothing_written(case) == before


def test_nul_in_a_form_field_is_refused_by_the_api_and_the_web_form(api, client, org, case):
    before = _nothing_written(case)
    response = api(org.agent).post(f"{URL}{case.pk}/notes/", {"body": "a\x00b"}, format="multipart")
    assert response.status_code == 400 and "body" in _errors(response)
    client.force_login(org.agent)
    response = client.post(f"/cases/{case.number}/operation/note/", {"op-note-body": "a\x00b"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()
    assert _nothing_written(case) == before


def test_services_refuse_nul_for_callers_that_bypass_the_api(org, case, customer):
    from kefu.cases.services import case_add_note, case_register
    from kefu.core.exceptions import ApplicationError
    from kefu.customers.services import customer_create

    with pytest.raises(ApplicationError) as refused:
        case_add_note(case=case, actor=org.agent, body="a\x00b")
    assert "body" in refused.value.extra
    with pytest.raises(ApplicationError) as refused:
        case_register(
            actor=org.agent, case_type="inquiry", customer=customer, channel="phone", title="t\x00", description="d"
        )
    assert "title" in refused.value.extra
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as invalid:
        customer_create(name="王\x00", phone="13900001111")
    assert "name" in invalid.value.message_dict
    assert not Customer.objects.filter(contacts__phone="13900001111").exists()


def test_malformed_json_is_400_in_the_clients_language(api, org, case):
    client = api(org.agent)
    zh = client.post(URL, "{bad", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 400 and zh.json()["detail"] == "请求正文不是有效的 JSON（第 1 行，第 2 列）。"
    en = client.post(URL, "{bad", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert en.json()["detail"] == "The request body is not valid JSON (line 1, column 2)."
    deep = client.post(URL, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert deep.status_code == 400
    invalid = client.post(URL, {"case_type": "complaint"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert invalid.json()["detail"] == "输入有误。"
    assert client.post(URL, {}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "Invalid input."


# --------------------------------------------------------------------------------------------------
# Sizes


def test_a_text_over_its_limit_is_400_and_not_echoed(api, org, rulebooks, customer):
    payload = {
        "case_type": "complaint",
        "category": "attitude",
        "customer": customer.pk,
        "channel": "phone",
        "title": "过长",
        "description": "字" * 10_001,
    }
    response = api(org.agent).post(URL, payload, format="json")
    assert response.status_code == 400 and "description" in _errors(response)
    assert len(response.content) < 2_000
    assert api(org.agent).post(URL, {**payload, "description": "字" * 10_000}, format="json").status_code == 201


def test_transition_texts_have_limits_too(api, org, case):
    client = api(org.agent)
    response = client.post(
        f"{URL}{case.pk}/transition/",
        {"transition": "not_established", "version": 1, "data": {"reason": "因" * 2_001}},
        format="json",
    )
    assert response.status_code == 400 and _errors(response) == {"reason": ["最多 2,000 个字符（当前为 2,001 个）。"]}
    response = client.post(
        f"{URL}{case.pk}/transition/",
        {"transition": "establish", "version": 1, "data": {"comment": "x" * 2_001}},
        format="json",
    )
    assert response.status_code == 400 and "comment" in _errors(response)
    assert Case.objects.get(pk=case.pk).version == 1


def test_a_body_over_the_limit_is_413_before_it_is_read(api, org, rulebooks):
    client = api(org.agent)
    response = client.generic(
        "POST",
        URL,
        b"",
        content_type="application/json",
        CONTENT_LENGTH=str(25 * 1024 * 1024),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "请求过大：25 MiB，最多接受 1 MiB。"
    upload = client.generic(
        "POST",
        f"{URL}1/attachments/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(60 * 1024 * 1024),
        **{"wsgi.input": _Unreadable()},
    )
    assert upload.status_code == 413 and list(upload.json()["errors"]) == ["file"]
    assert "最多接受 21 MiB" in upload.json()["detail"]
    bad = client.generic("POST", URL, b"", content_type="application/json", CONTENT_LENGTH="lots")
    assert bad.status_code == 400


def test_an_upload_within_the_limit_still_works(api, org, case):
    file = SimpleUploadedFile("发票.pdf", b"%PDF-1.4 " + b"0" * 3_000_000, content_type="application/pdf")
    response = api(org.agent).post(f"{URL}{case.pk}/attachments/", {"file": file}, format="multipart")
    assert response.status_code == 201 and response.json()["size"] == 3_000_009


def test_search_terms_have_a_limit(api, org):
    response = api(org.agent).get("/api/v1/customers/", {"q": "1" * 101})
    assert response.status_code == 400 and "q" in _errors(response)
    assert api(org.agent).get(URL, {"q": "x" * 101}).status_code == 400
    assert api(org.agent).get("/api/v1/staff/", {"q": "x" * 101}).status_code == 400


# --------------------------------------------------------------------------------------------------
# Dates the calendars cannot compute


@pytest.mark.parametrize(
    "received_at",
    ["1900-01-01T09:00:00+08:00", "2000-06-01T09:00:00+08:00", "2024-12-31T23:59:00+08:00", "2999-01-01T00:00:00Z"],
)
def test_received_at_outside_the_calendars_is_400_naming_the_range(api, org, rulebooks, customer, received_at):
    payload = {
        "case_type": "complaint",
        "category": "attitude",
        "customer": customer.pk,
        "channel": "letter",
        "title": "来信",
        "description": "去年的来信",
        "received_at": received_at,
    }
    response = api(org.agent).post(URL, payload, format="json")
    assert response.status_code == 400
    message = _errors(response)["received_at"][0]
    assert "2025-01-01 00:00" in message and "2025" in message
    assert not Case.objects.exists()


def test_received_at_without_a_zone_is_read_in_the_sites_zone(api, org, rulebooks, customer):
    payload = {
        "case_type": "complaint",
        "category": "attitude",
        "customer": customer.pk,
        "channel": "letter",
        "title": "来信",
        "description": "年初的来信",
        "received_at": "2025-01-01T00:00:00",
    }
    response = api(org.agent).post(URL, payload, format="json")
    assert response.status_code == 201
    assert response.json()["received_at"] == "2025-01-01T00:00:00+08:00"
    clocks = api(org.agent).get(f"{URL}{response.json()['id']}/clocks/").json()
    assert clocks and all(c["deadline"] for c in clocks)  # the calendars could compute every deadline


# --------------------------------------------------------------------------------------------------
# The JSON error shape everywhere under /api/


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/cases/0.5/"),
        ("post", "/api/v1/cases/0.5/transition/"),
        ("get", "/api/v1/cases/1/clocks/0.5/extend/"),
        ("get", "/api/v1/no-such-thing/"),
    ],
)
def test_unknown_api_paths_answer_json_404(api, org, method, path):
    response = getattr(api(org.agent), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json() == {"detail": "未找到。"}


def test_web_paths_keep_the_html_404(client, org):
    client.force_login(org.agent)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
