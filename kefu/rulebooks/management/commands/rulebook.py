from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kefu.rulebooks.schema import RulebookError, parse_rulebook
from kefu.rulebooks.services import rulebook_load_file


class Command(BaseCommand):
    help = "Check or load a rulebook YAML file. An invalid file is refused and changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["check", "load"])
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--default", action="store_true", help="Make this the default rulebook for new cases.")

    def handle(self, *args, action: str, files: list[Path], default: bool, **options) -> None:
        failed = False
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                if action == "check":
                    doc = parse_rulebook(path.read_text(encoding="utf-8"), source=str(path))
                    self.stdout.write(f"{path}: ok ({doc.key}, {len(doc.case_types)} case types)")
                else:
                    version, created = rulebook_load_file(path=path, make_default=default)
                    word = "loaded as" if created else "unchanged, still"
                    self.stdout.write(f"{path}: {word} {version.rulebook.key} v{version.number}")
            except RulebookError as exc:
                failed = True
                self.stderr.write(str(exc))
        if failed:
            raise CommandError("rulebook refused; nothing was changed")
