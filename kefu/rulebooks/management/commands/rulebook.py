from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from kefu.rulebooks.schema import RulebookError, parse_rulebook
from kefu.rulebooks.services import RulebooksRefused, read_rulebook_file, rulebook_load_files, site_calendars


class Command(BaseCommand):
    help = (
        "Check or load rulebook YAML files. Loading is all-or-nothing across the files given: "
        "if any file is invalid, nothing is loaded."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["check", "load"])
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--default", action="store_true", help="Make the (last) loaded rulebook the default for new cases."
        )

    def handle(self, *args, action: str, files: list[Path], default: bool, **options) -> None:
        missing = [str(p) for p in files if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}; nothing was changed")
        if action == "check":
            self._check(files)
        else:
            self._load(files, default)

    def _check(self, files: list[Path]) -> None:
        try:
            calendars = site_calendars()
        except DatabaseError as exc:
            calendars = None
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.stderr.write(
                f"note: the working calendars the clocks name were not checked (no database: {reason}); "
                "`kefu rulebook load` checks them"
            )
        failed = []
        for path in files:
            try:
                doc = parse_rulebook(read_rulebook_file(path), source=str(path), calendars=calendars)
            except RulebookError as exc:
                failed.append(str(path))
                self.stderr.write(str(exc))
            else:
                self.stdout.write(f"{path}: ok ({doc.key}, {len(doc.case_types)} case types)")
        if failed:
            raise CommandError(f"rulebook refused: {', '.join(failed)}; nothing was changed")

    def _load(self, files: list[Path], default: bool) -> None:
        try:
            results = rulebook_load_files(paths=files, make_default=default)
        except RulebooksRefused as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            bad = {e.source for e in exc.errors}
            good = [str(p) for p in files if str(p) not in bad]
            also = f"; not loaded either: {', '.join(good)} (valid, but a load is all or nothing)" if good else ""
            raise CommandError(f"rulebook refused: {', '.join(sorted(bad))}; nothing was changed{also}")
        for result in results:
            word = "loaded as" if result.created else "unchanged, still"
            self.stdout.write(f"{result.source}: {word} {result.version.rulebook.key} v{result.version.number}")
        if default and results:
            self.stdout.write(f"default for new cases: {results[-1].version.rulebook.key}")
