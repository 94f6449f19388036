"""API tokens: they expire, their owner and an administrator revoke them, a password change revokes them."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.forms import PasswordChangeForm
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from kefu.org.models import User


def get_token(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": f"pw-{username}"}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    return with_token(token).get("/api/v1/units/").status_code == 200


def test_a_token_expires_after_the_documented_lifetime_with_a_clear_401(org, settings):
    assert settings.KEFU_API_TOKEN_HOURS == 24
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": "pw-agent"}, format="json")
        token = response.json()["token"]
        expiry = timezone.datetime.fromisoformat(response.json()["expiry"])
        assert expiry - start == timedelta(hours=24)
        assert token.startswith("kefu_")
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert works(token)
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        for _ in range(2):  # and it keeps saying so
            response = with_token(token).get("/api/v1/units/")
            assert response.status_code == 401
            assert "过期" in response.json()["detail"]
            assert "POST /api/v1/auth/token/" in response.json()["detail"]
        # A new login gives a new token, and drops the expired one.
        new = get_token("agent")
        assert works(new)
        assert AuthToken.objects.filter(user=org.agent).count() == 1
        response = with_token(token).get("/api/v1/units/")
        assert response.status_code == 401
        assert "未知或已被撤销" in response.json()["detail"]


def test_the_owner_revokes_the_token_in_use(org):
    laptop, phone = get_token("agent"), get_token("agent")
    response = with_token(laptop).delete("/api/v1/auth/token/")
    assert response.status_code == 204
    response = with_token(laptop).get("/api/v1/units/")
    assert response.status_code == 401
    assert "未知或已被撤销" in response.json()["detail"]
    assert works(phone)  # another client's token is untouched


def test_the_owner_revokes_all_their_tokens(org):
    mine = [get_token("agent") for _ in range(3)]
    theirs = get_token("agent2")
    response = with_token(mine[0]).delete("/api/v1/auth/tokens/")
    assert response.status_code == 200
    assert response.json() == {"revoked": 3}
    assert not any(works(t) for t in mine)
    assert works(theirs)


def test_revoking_all_tokens_from_a_browser_session(org):
    token = get_token("agent")
    client = APIClient()
    client.force_login(org.agent)
    assert client.delete("/api/v1/auth/tokens/").json() == {"revoked": 1}
    assert not works(token)
    # DELETE /auth/token/ is for the token a request is made with; a session has none.
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code == 400
    assert "/api/v1/auth/tokens/" in response.json()["detail"]


def test_revoking_needs_authentication(org):
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401
    assert APIClient().delete("/api/v1/auth/tokens/").status_code == 401


def test_an_old_token_in_the_header_does_not_stop_a_login(org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old = get_token("agent")
    with time_machine.travel(start + timedelta(days=2), tick=False):
        client = with_token(old)
        response = client.post("/api/v1/auth/token/", {"username": "agent", "password": "pw-agent"}, format="json")
        assert response.status_code == 200
        assert works(response.json()["token"])


def test_an_administrator_revokes_someones_tokens_in_the_admin(org):
    tokens = [get_token("agent"), get_token("agent")]
    other = get_token("agent2")
    admin = Client()
    admin.force_login(org.admin)
    page = admin.get(f"/admin/org/user/{org.agent.pk}/change/")
    assert page.status_code == 200
    assert "API 令牌" in page.content.decode()
    response = admin.post(
        "/admin/org/user/", {"action": "revoke_api_tokens", "_selected_action": [org.agent.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "已撤销 2 个 API 令牌" in response.content.decode()
    assert not any(works(t) for t in tokens)
    assert works(other)


def test_the_admin_staff_page_revokes_a_single_token(org):
    keep, drop = get_token("agent"), get_token("agent")
    admin = Client()
    admin.force_login(org.admin)
    url = f"/admin/org/user/{org.agent.pk}/change/"
    form = admin.get(url).context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups", "user_permissions")
    }
    data.update(
        {
            "date_joined_0": timezone.localtime(org.agent.date_joined).strftime("%Y-%m-%d"),
            "date_joined_1": timezone.localtime(org.agent.date_joined).strftime("%H:%M:%S"),
            "unit": org.agent.unit_id,
            "auth_token_set-TOTAL_FORMS": "2",
            "auth_token_set-INITIAL_FORMS": "2",
            "auth_token_set-MIN_NUM_FORMS": "0",
            "auth_token_set-MAX_NUM_FORMS": "1000",
        }
    )
    for data_key in ("last_login",):
        data.pop(data_key, None)
    dropped = AuthToken.objects.get(token_key=drop[:15])
    kept = AuthToken.objects.get(token_key=keep[:15])
    data.update(
        {
            "auth_token_set-0-digest": dropped.digest,
            "auth_token_set-0-user": org.agent.pk,
            "auth_token_set-0-DELETE": "on",
            "auth_token_set-1-digest": kept.digest,
            "auth_token_set-1-user": org.agent.pk,
        }
    )
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert works(keep)
    assert not works(drop)


def test_a_password_change_by_set_password_revokes_every_token(org):
    tokens = [get_token("agent"), get_token("agent")]
    user = User.objects.get(username="agent")
    user.set_password("a-new-password-2026")
    user.save()
    assert not any(works(t) for t in tokens)


def test_a_password_change_on_the_admin_page_revokes_every_token(org):
    token = get_token("agent")
    admin = Client()
    admin.force_login(org.admin)
    response = admin.post(
        f"/admin/org/user/{org.agent.pk}/password/",
        {"password1": "Zhang-2026-new", "password2": "Zhang-2026-new", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert not works(token)


def test_a_password_change_with_the_web_form_revokes_every_token(org, rf):
    token = get_token("agent")
    form = PasswordChangeForm(
        org.agent, {"old_password": "pw-agent", "new_password1": "Li-2026-changed", "new_password2": "Li-2026-changed"}
    )
    assert form.is_valid(), form.errors
    form.save()
    assert not works(token)


def test_a_password_change_with_the_command_revokes_every_token(org, monkeypatch):
    token = get_token("agent")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "Wang-2026-changed")
    call_command("changepassword", "agent", verbosity=0)
    assert not works(token)


def test_other_saves_keep_the_tokens(org):
    token = get_token("agent")
    user = User.objects.get(username="agent")
    user.display_name = "张三"
    user.save()
    assert works(token)


@pytest.mark.parametrize(
    "body", [{"username": "a" * 151, "password": "x"}, {"username": "agent", "password": "x" * 129}]
)
def test_overlong_credentials_are_400(org, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
