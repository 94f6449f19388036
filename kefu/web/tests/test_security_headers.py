"""Security headers on every page, and the API schema and documentation pages behind a login."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_strict(response) -> None:
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_login_page_sends_the_security_headers(client, org):
    response = client.get("/login/")
    assert_strict(response)
    assert csp(response)["style-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/intake/", "/unit/", "/board/", "/inbox/", "/admin/", "/reports/monthly/"])
def test_pages_send_the_security_headers_and_have_no_inline_code(client, org, rulebooks, make_case, path):
    client.force_login(org.admin)
    make_case()
    response = client.get(path)
    assert response.status_code == 200
    assert_strict(response)
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    if not path.startswith("/admin/"):
        assert " style=" not in html and "<style" not in html


def test_the_case_page_has_no_inline_code(client, org, make_case):
    case = make_case()
    client.force_login(org.agent)
    response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 200
    assert_strict(response)
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html) and not INLINE_HANDLER.search(html)
    assert " style=" not in html and "<style" not in html


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client, org):
    html = client.get("/login/").content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_the_calendar_year_view_has_no_inline_styles(client, org, calendars):
    from kefu.calendars.models import WorkCalendar

    client.force_login(org.admin)
    calendar = WorkCalendar.objects.first()
    response = client.get(f"/admin/calendars/workcalendar/{calendar.pk}/year/2026/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html and " style=" not in html
    assert "kefu/calendar-admin.css" in html


# --------------------------------------------------------------------------------------------------
# The schema and documentation pages


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_documentation_pages_need_a_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_the_schema_needs_authentication(org):
    assert APIClient().get("/api/v1/schema/").status_code == 401
    client = APIClient()
    client.force_login(org.agent)  # the docs pages fetch it with the browser session
    assert client.get("/api/v1/schema/").status_code == 200


def test_the_schema_with_a_token(org):
    token = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "agent", "password": "pw-agent"}, format="json")
        .json()["token"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"tokenAuth" in response.content


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_documentation_pages_load_nothing_from_elsewhere_and_run_no_inline_script(org, path):
    client = Client()
    client.force_login(org.agent)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", html)
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]  # Swagger UI and ReDoc style their elements inline


def test_swagger_ui_start_script_is_a_separate_file(org):
    client = Client()
    client.force_login(org.agent)
    response = client.get("/api/v1/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b'"validatorUrl": null' in response.content


def test_api_docs_link_in_the_header_works(client, org):
    client.force_login(org.agent)
    html = client.get("/").content.decode()
    assert 'href="/api/v1/docs/"' in html
    assert client.get("/api/v1/docs/").status_code == 200
