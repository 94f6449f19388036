"""Login lockout on the three ways in: the web login, the admin login and the API token endpoint.

Addresses are from the documentation ranges (RFC 5737); nothing is sent anywhere.
"""

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from kefu.org.lockout import client_ip

OFFICE = "192.0.2.10"
HOME = "198.51.100.7"
ELSEWHERE = "203.0.113.99"


def web_login(username: str, password: str, address: str = OFFICE) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/login/", {"username": username, "password": password})
    return client, response


def admin_login(username: str, password: str, address: str = OFFICE) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    return client, response


def api_login(username: str, password: str, address: str = OFFICE):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def logged_in_web(client: Client) -> bool:
    return client.get("/").status_code == 200


def logged_in_admin(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_web_login_100_wrong_passwords_then_the_right_one_fails(org):
    for _ in range(100):
        web_login("agent", "guess")
    client, response = web_login("agent", "pw-agent")
    assert response.status_code == 429
    assert not logged_in_web(client)
    page = response.content.decode()
    assert "登录失败次数过多" in page and "后才能登录" in page
    assert int(response["Retry-After"]) > 14 * 60


def test_the_web_login_says_locked_at_the_failure_that_locks(org):
    for _ in range(4):
        _client, response = web_login("agent", "guess")
        assert response.status_code == 200
        assert "登录失败次数过多" not in response.content.decode()
    _client, response = web_login("agent", "guess")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_admin_login_100_wrong_passwords_then_the_right_one_fails(org):
    for _ in range(100):
        admin_login("admin", "guess")
    client, response = admin_login("admin", "pw-admin")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not logged_in_admin(client)
    # The lock is on the account, whichever door is used: the web login refuses it too.
    client, response = web_login("admin", "pw-admin", address=HOME)
    assert response.status_code == 429


def test_token_endpoint_100_wrong_passwords_then_the_right_one_fails(org):
    for _ in range(100):
        response = api_login("agent", "guess")
        assert response.status_code in (400, 429)
    response = api_login("agent", "pw-agent")
    assert response.status_code == 429
    body = response.json()
    assert "token" not in body
    assert "登录失败次数过多" in body["detail"]
    until = timezone.datetime.fromisoformat(body["locked_until"])
    assert timedelta(minutes=14) < until - timezone.now() <= timedelta(minutes=15)
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60


def test_a_locked_account_is_locked_from_every_address(org):
    for _ in range(5):
        web_login("agent", "guess", address=OFFICE)
    _client, response = web_login("agent", "pw-agent", address=HOME)
    assert response.status_code == 429
    assert api_login("agent", "pw-agent", address=ELSEWHERE).status_code == 429


def test_another_account_from_the_same_address_still_logs_in(org):
    for _ in range(5):
        web_login("agent", "guess", address=OFFICE)
    client, response = web_login("agent2", "pw-agent2", address=OFFICE)
    assert response.status_code == 302
    assert logged_in_web(client)


def test_an_address_is_locked_after_its_own_limit_across_accounts(org, settings):
    # Password spraying: one or two guesses at each of many accounts from one address.
    settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for username in ("agent", "agent2", "handler", "supervisor", "manager", "quality", "gm", "deputy_gm"):
        web_login(username, "guess", address=ELSEWHERE)
    _client, response = web_login("technician", "pw-technician", address=ELSEWHERE)
    assert response.status_code == 429
    assert api_login("technician", "pw-technician", address=ELSEWHERE).status_code == 429
    # No account reached its own limit: from another address everyone logs in.
    client, response = web_login("technician", "pw-technician", address=OFFICE)
    assert response.status_code == 302
    assert api_login("agent", "pw-agent", address=OFFICE).status_code == 200


def test_the_lockout_ends_by_itself(org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            web_login("agent", "guess")
        assert web_login("agent", "pw-agent")[1].status_code == 429
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert web_login("agent", "pw-agent")[1].status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        client, response = web_login("agent", "pw-agent")
        assert response.status_code == 302
        assert logged_in_web(client)
        assert api_login("agent", "pw-agent").status_code == 200


def test_tries_while_locked_do_not_push_the_end_back(org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            api_login("agent", "guess")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        for _ in range(20):
            assert api_login("agent", "guess").status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert api_login("agent", "pw-agent").status_code == 200


def test_failed_logins_are_logged_without_the_password(org, caplog):
    with caplog.at_level(logging.WARNING, logger="kefu.auth"):
        for _ in range(6):
            web_login("agent", "secret-guess-1")
        api_login("agent", "secret-guess-2", address=HOME)
    lines = [r.getMessage() for r in caplog.records if r.name == "kefu.auth"]
    assert sum("login failed: user 'agent' from 192.0.2.10 on /login/" in line for line in lines) == 6
    assert any("login failed: user 'agent' from 198.51.100.7 on /api/v1/auth/token/ (locked out)" in x for x in lines)
    assert any("login locked: user 'agent' from 192.0.2.10" in line for line in lines)
    assert not any("secret-guess" in line for line in lines)
    # And for the administrator: every failure until the lock is in the admin's failure log.
    assert AccessFailureLog.objects.filter(username="agent").count() == 5
    assert "secret-guess" not in "".join(AccessAttempt.objects.values_list("post_data", flat=True))


def test_an_administrator_unlocks_with_the_command(org):
    for _ in range(5):
        web_login("agent", "guess")
    call_command("axes_reset_username", "agent")
    assert web_login("agent", "pw-agent")[1].status_code == 302


def test_an_administrator_unlocks_in_the_admin(org):
    for _ in range(5):
        web_login("agent", "guess")
    admin = Client()
    admin.force_login(org.admin)
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "agent" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="agent")
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert web_login("agent", "pw-agent")[1].status_code == 302


# --------------------------------------------------------------------------------------------------
# The client address behind a reverse proxy


def request_with(**meta):
    return RequestFactory().post("/login/", REMOTE_ADDR="127.0.0.1", **meta)


def test_forwarded_headers_are_ignored_unless_configured(settings):
    settings.KEFU_CLIENT_IP_HEADER = ""
    assert client_ip(request_with(HTTP_X_FORWARDED_FOR=OFFICE, HTTP_X_REAL_IP=OFFICE)) == "127.0.0.1"


def test_x_real_ip_from_the_proxy(settings):
    settings.KEFU_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request_with(HTTP_X_REAL_IP=OFFICE)) == OFFICE
    assert client_ip(request_with()) == "127.0.0.1"
    assert client_ip(request_with(HTTP_X_REAL_IP="not-an-address")) == "127.0.0.1"


def test_x_forwarded_for_trusts_only_the_entries_our_proxies_added(settings):
    settings.KEFU_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.KEFU_TRUSTED_PROXY_COUNT = 1
    # The client sent "X-Forwarded-For: 203.0.113.99"; the proxy appended the address it saw.
    assert client_ip(request_with(HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}, {OFFICE}")) == OFFICE
    settings.KEFU_TRUSTED_PROXY_COUNT = 2  # CDN in front of the proxy: the CDN's entry is the client's.
    assert client_ip(request_with(HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}, {OFFICE}, {HOME}")) == OFFICE


@pytest.mark.django_db
def test_spoofed_forwarded_for_does_not_escape_the_address_limit(org, settings):
    settings.KEFU_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n, username in enumerate(("agent", "agent2", "handler")):
        Client(REMOTE_ADDR="127.0.0.1").post(
            "/login/", {"username": username, "password": "guess"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, {OFFICE}"
        )
    client = Client(REMOTE_ADDR="127.0.0.1")
    response = client.post(
        "/login/", {"username": "manager", "password": "pw-manager"}, HTTP_X_FORWARDED_FOR=f"203.0.113.50, {OFFICE}"
    )
    assert response.status_code == 429
