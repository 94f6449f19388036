"""manage.py import_customers FILE [--commit] [--user NAME]: check a customer file (.xlsx or .csv),
print every problem as "line N, column X: message", and with --commit import it (all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kefu.customers.imports import MAX_FILE_BYTES, ImportRefused, import_check, import_commit


class Command(BaseCommand):
    help = "Check a customer file (.xlsx or .csv) and, with --commit, import it (all rows or none)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="an Excel workbook (.xlsx) or CSV file (UTF-8 or GBK)")
        parser.add_argument("--commit", action="store_true", help="import the file if it has no problems")
        parser.add_argument("--user", default="", help="the username recorded as the importer (with --commit)")

    def handle(self, *args, file: str, commit: bool, user: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{file}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
        if not commit:
            report = import_check(file_name=path.name, data=data)
            self._print_problems(path.name, report.problems)
            if report.problems:
                raise CommandError(f"{path.name}: {len(report.problems)} problem(s); nothing imported")
            self.stdout.write(f"{path.name}: {len(report.rows)} rows, no problems (dry run: add --commit to import)")
            return
        actor = self._actor(user)
        try:
            result = import_commit(file_name=path.name, data=data, actor=actor)
        except ImportRefused as exc:
            self._print_problems(path.name, exc.report.problems)
            raise CommandError(f"{path.name}: {len(exc.report.problems)} problem(s); nothing imported") from exc
        batch = f" (batch {result.batch.pk})" if result.batch is not None else ""
        self.stdout.write(f"{path.name}: imported {len(result.customers)} customers{batch}")

    def _print_problems(self, name: str, problems) -> None:
        for problem in problems:
            self.stderr.write(f"{name}: {problem}")

    def _actor(self, username: str):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username, is_active=True)
            except User.DoesNotExist as exc:
                raise CommandError(f"--user {username}: no active user of that name") from exc
        actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("--user NAME is needed: there is no active superuser to record as the importer")
        return actor
