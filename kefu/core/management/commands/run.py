import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

# The request head gunicorn reads before Kefu sees anything (docs/operations.md, "Request limits"):
# a request line long enough for any URL Kefu answers (query strings stop at 4,096 characters in
# kefu.core.middleware), at most 50 header fields of at most 8 KiB. Bodies are limited by Kefu itself.
GUNICORN_LIMITS = ("--limit-request-line", "8190", "--limit-request-fields", "50", "--limit-request-field_size", "8190")


def embedded_worker_command() -> list[str]:
    """The one worker of the embedded default: the scheduler inside it (-B) and every queue —
    sweeps, e-mail and the rest (production splits them, docs/operations.md)."""
    from config.celery import QUEUES

    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-B",
        "--pool=solo",
        "-Q",
        ",".join(QUEUES),
        "--loglevel=INFO",
        "-s",
        str(settings.VAR_DIR / "celerybeat-schedule"),
    ]


# How long gunicorn and the worker get to finish what they are doing before they are killed.
STOP_GRACE_SECONDS = 20


class _Stopped(Exception):
    """SIGTERM or SIGHUP reached `kefu run`."""


def _stop(signum, frame) -> None:
    raise _Stopped(signum)


class Command(BaseCommand):
    help = (
        "Run Kefu on one machine: the web server plus an embedded Celery worker with its scheduler "
        "(SQLite broker by default). Production runs gunicorn and workers separately (docs/operations.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the embedded worker.")

    def handle(self, *args, addr: str, no_worker: bool, **options) -> None:
        worker = None
        if not no_worker:
            worker = subprocess.Popen(
                embedded_worker_command(),
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
                },
            )
            self.stdout.write(
                f"embedded worker started (pid {worker.pid}, broker {settings.CELERY_BROKER_URL.split(':')[0]})"
            )
        self.stdout.write(f"Kefu is at http://{addr}/")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                addr,
                "--workers",
                "2",
                "--threads",
                "4",
                *GUNICORN_LIMITS,
                "--access-logfile",
                "-",
            ]
        )
        # SIGTERM (systemd, docker stop, kill) ends `kefu run` like Ctrl-C: the children are stopped
        # too, instead of being left running without their parent.
        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
        try:
            server.wait()
        except (KeyboardInterrupt, _Stopped):
            pass
        finally:
            for proc in (server, worker):
                if proc and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in (server, worker):
                if proc:
                    try:
                        proc.wait(timeout=STOP_GRACE_SECONDS)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
