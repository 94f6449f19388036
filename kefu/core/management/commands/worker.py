import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a Celery worker for Kefu (extra arguments go to `celery worker`, e.g. --concurrency 4)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("celery_args", nargs="*")

    def handle(self, *args, celery_args: list[str], **options) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", *celery_args]
        os.execv(sys.executable, argv)
