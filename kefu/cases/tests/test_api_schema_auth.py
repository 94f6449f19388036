"""The OpenAPI schema, the self-hosted docs page, and how clients authenticate."""

import re

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from knox.models import AuthToken
from rest_framework.test import APIClient


def test_schema_generates_without_warnings_or_errors(tmp_path, db):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns every drf-spectacular warning or error into a failure (SystemExit/CommandError).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{id}/transition/",
        "/api/v1/cases/{id}/customer-view/",
        "/api/v1/customers/",
        "/api/v1/units/",
        "/api/v1/staff/",
        "/api/v1/rulebooks/",
        "/api/v1/auth/token/",
    ):
        assert f"  {path}:" in text, path
    assert "Idempotency-Key" in text
    # The schema is for API clients: a base class's implementation notes must not become the
    # description of every component built on it (the case output serializers' base once did).
    assert "ModelSerializer" not in text and "DRF" not in text


def test_docs_page_is_served_without_any_external_script_or_stylesheet(client, org):
    client.force_login(org.agent)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//[^"']+""", html)
    assert external == []
    assert not re.search(r"https?://[^\s\"']+\.(?:js|css)", html)
    assert client.get("/api/v1/schema/").status_code == 200


def test_token_endpoint_issues_a_token_that_authenticates(org, make_case):
    case = make_case()
    anonymous = APIClient()
    response = anonymous.post("/api/v1/auth/token/", {"username": "agent", "password": "pw-agent"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert AuthToken.objects.filter(user=org.agent).count() == 1
    assert token not in str(list(AuthToken.objects.values_list("digest", "token_key")))  # stored hashed
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["number"] == case.number
    # The token acts as its user: agent2's token does not open agent's case.
    token2 = anonymous.post("/api/v1/auth/token/", {"username": "agent2", "password": "pw-agent2"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token2}")
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404


@pytest.mark.parametrize(
    "body", [{"username": "agent", "password": "wrong"}, {"username": "agent"}, {"username": "nobody", "password": "x"}]
)
def test_token_endpoint_refuses_bad_credentials(org, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_bad_token_is_401(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert client.get("/api/v1/cases/").status_code == 401


def test_deactivated_staff_lose_api_access(org, make_case):
    _instance, token = AuthToken.objects.create(user=org.agent2)
    org.agent2.is_active = False
    org.agent2.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert "已停用" in response.json()["detail"]


def test_session_login_works_and_writes_need_the_csrf_token(org, rulebooks, customer):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(request=RequestFactory().post("/login/"), username="agent", password="pw-agent")
    assert client.get("/api/v1/cases/").status_code == 200
    payload = {
        "case_type": "inquiry",
        "customer": customer.pk,
        "channel": "visit",
        "title": "来访咨询",
        "description": "问营业时间",
    }
    response = client.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    # What a browser page does: send the CSRF cookie's value back in the X-CSRFToken header.
    csrf = "k" * 32
    client.cookies["csrftoken"] = csrf
    response = client.post("/api/v1/cases/", payload, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201
