"""A whole Kefu site for tests that drive it from outside, as a client or an operator would.

`live_site(name)` builds a site of its own, in a temporary folder and a database of its own (SQLite
file; or, when the suite runs on PostgreSQL, a database named after the test database and `name`),
sets it up with `kefu setup` and `kefu demo`, and serves it with gunicorn (real worker processes,
real HTTP on 127.0.0.1). The database, the folder and every process are removed afterwards.
These tests do not use pytest-django's test database: the server runs in other processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "kefu-demo"
ADMIN = ("admin", "kefu-admin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_admin():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


class LiveSite:
    """One Kefu site: its own folder, database, and gunicorn."""

    def __init__(self, tmp: Path, name: str) -> None:
        from django.conf import settings

        self.tmp = tmp
        self.var = tmp / "var"
        self.var.mkdir(parents=True)
        db = settings.DATABASES["default"]
        self.postgres = "postgresql" in db["ENGINE"]
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        self.db_name = f"{db['NAME'].removeprefix('test_')}_{name}_{worker}"[:63] if self.postgres else ""
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "KEFU_VAR_DIR": str(self.var),
            "MEDIA_ROOT": str(self.var / "media"),
            "SECRET_KEY": "kefu-live-test-key-not-secret-0123456789abcdefghijklmnop",
            "DEBUG": "",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": self._database_url(db) if self.postgres else "",
        }
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen | None = None
        self.log = tmp / "gunicorn.log"

    def _database_url(self, db: dict[str, Any]) -> str:
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{self.db_name}"

    # -- database and data --------------------------------------------------------------------------

    def create_database(self, name: str | None = None) -> None:
        if not self.postgres:
            return
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name or self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name or self.db_name}"')

    def drop_database(self, name: str | None = None) -> None:
        if self.postgres:
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name or self.db_name}" WITH (FORCE)')

    def kefu(self, *args: str, env: dict[str, str] | None = None, timeout: int = 600) -> str:
        """Run `kefu ARGS` for this site; its output, or the test fails with it."""
        done = subprocess.run(
            [sys.executable, "-m", "kefu.cli", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"kefu {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def python(self, code: str, env: dict[str, str] | None = None) -> Any:
        """Run `code` in a Django shell of this site; it prints one JSON value, returned here."""
        out = self.kefu("shell", "-c", code, env=env)
        return json.loads(out.strip().splitlines()[-1])

    def setup(self, demo_size: int = 30) -> None:
        self.create_database()
        self.kefu("setup")
        self.kefu("demo", "--size", str(demo_size), "--seed", "13")

    # -- the web server -----------------------------------------------------------------------------

    def start(self, workers: int = 2, threads: int = 1) -> None:
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                "--limit-request-line",
                "8190",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches the master and its workers
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # Any HTTP answer means a worker serves requests (the site has no collected static
                # files, so the API, not an HTML page, is asked).
                with urllib.request.urlopen(f"{self.base}/api/v1/", timeout=5):
                    return
            except urllib.error.HTTPError:
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert self.server.poll() is None, f"gunicorn exited:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.3)
        raise AssertionError(f"gunicorn did not answer within 60 s:\n{self.log.read_text()[-3000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole web server (master and workers) with `sig`, as a crash or the OOM killer would."""
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, sig)
            self.server.wait(timeout=30)
        self.server = None

    def token(self, username: str, password: str) -> str:
        request = urllib.request.Request(
            f"{self.base}/api/v1/auth/token/",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["token"]

    def close(self) -> None:
        self.kill(signal.SIGTERM)
        self.drop_database()


@pytest.fixture
def live_site(tmp_path: Path) -> Iterator[Callable[..., LiveSite]]:
    sites: list[LiveSite] = []

    def make(name: str) -> LiveSite:
        site = LiveSite(tmp_path / name, name)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.close()
