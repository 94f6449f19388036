import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run a Celery worker for Kefu; every argument goes to `celery worker` (e.g. kefu worker --concurrency 4). "
        "Without -Q it consumes every queue (kefu.sweeps, kefu.mail, celery); production gives the sweeps a "
        "worker of their own: kefu worker -Q kefu.sweeps (docs/operations.md)."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        # Celery parses its own options; argparse here would reject the ones it does not know.
        os.execv(
            sys.executable, [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", *argv[2:]]
        )

    def handle(self, *args, **options) -> None:
        self.run_from_argv(["kefu", "worker"])
