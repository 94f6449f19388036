"""Production settings from the environment, the production-mode guard, and `check --deploy`.

Settings are read once per process, so each case starts a fresh `python` with its own environment.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent
SECRET = "x9VbD2" * 10


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "SECURE_", "SESSION_", "CSRF_"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("DEBUG", None)
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; {code}"],
        cwd=BASE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def docs_production_env() -> dict[str, str]:
    text = (BASE / "docs" / "operations.md").read_text()
    block = re.search(r"^# /etc/kefu/kefu.env\n(.*?)^```$", text, re.M | re.S)
    assert block, "docs/operations.md lost its production environment block"
    return dict(line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#"))


def test_production_mode_without_a_secret_key_stops_with_a_clear_message(tmp_path):
    result = run_python("print(s.SECRET_KEY)", KEFU_ENV="production", KEFU_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "KEFU_ENV=production needs a secret key of its own: set SECRET_KEY, or SECRET_KEY_FILE" in result.stderr
    assert "kefu-insecure-development-key" not in result.stdout


def test_production_mode_refuses_the_development_key_and_debug(tmp_path):
    result = run_python(
        "print(1)",
        KEFU_ENV="production",
        SECRET_KEY="kefu-insecure-development-key-change-me",
        KEFU_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0 and "needs a secret key of its own" in result.stderr
    result = run_python("print(1)", KEFU_ENV="production", SECRET_KEY=SECRET, DEBUG="1", KEFU_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "cannot run with DEBUG on" in result.stderr


def test_development_mode_still_starts_without_a_secret_key(tmp_path):
    result = run_python(
        "print(s.SECRET_KEY, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)", KEFU_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["kefu-insecure-development-key-change-me", "False", "False"]


def test_production_mode_defaults_to_https_and_every_value_comes_from_the_environment(tmp_path):
    fields = (
        "SECURE_SSL_REDIRECT SECURE_HSTS_SECONDS SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD "
        "SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SECURE_PROXY_SSL_HEADER KEFU_DEMO_LOGINS"
    ).split()
    code = "print(" + ", ".join(f"s.{f}" for f in fields) + ", sep='|')"
    result = run_python(
        code, KEFU_ENV="production", SECRET_KEY=SECRET, KEFU_VAR_DIR=str(tmp_path), KEFU_DEMO_LOGINS="1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("|") == ["True", "31536000", "True", "False", "True", "True", "None", "False"]

    result = run_python(
        code,
        KEFU_ENV="production",
        SECRET_KEY=SECRET,
        KEFU_VAR_DIR=str(tmp_path),
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="300",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_HSTS_PRELOAD="1",
        SESSION_COOKIE_SECURE="no",
        CSRF_COOKIE_SECURE="off",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto,https",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("|") == [
        "False",
        "300",
        "False",
        "True",
        "False",
        "False",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "False",
    ]


def test_cookie_settings_come_from_the_environment(tmp_path):
    result = run_python(
        "print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SESSION_COOKIE_SAMESITE, "
        "s.CSRF_COOKIE_SAMESITE, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_NAME, s.KEFU_DEMO_LOGINS)",
        KEFU_VAR_DIR=str(tmp_path),
        SESSION_COOKIE_AGE="28800",
        SESSION_EXPIRE_AT_BROWSER_CLOSE="true",
        SESSION_COOKIE_SAMESITE="Strict",
        CSRF_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_DOMAIN=".example.cn",
        CSRF_COOKIE_NAME="kefu_csrf",
        KEFU_DEMO_LOGINS="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["28800", "True", "Strict", "Strict", ".example.cn", "kefu_csrf", "True"]


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = subprocess.run(
        ["bash", "scripts/check-deploy.sh"],
        cwd=BASE,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("drop", "warning"),
    [("SECURE_HSTS_SECONDS", "security.W004"), ("SECURE_HSTS_PRELOAD", "security.W021")],
)
def test_check_deploy_does_warn_without_them(tmp_path, drop, warning):
    env = {k: v for k, v in docs_production_env().items() if k != drop}
    if drop == "SECURE_HSTS_SECONDS":
        env["SECURE_HSTS_SECONDS"] = "0"
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    env.update(SECRET_KEY_FILE=str(secret), KEFU_VAR_DIR=str(tmp_path / "var"), MEDIA_ROOT=str(tmp_path / "m"))
    env.update(PATH=os.environ["PATH"], STATIC_ROOT=str(tmp_path / "s"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout
