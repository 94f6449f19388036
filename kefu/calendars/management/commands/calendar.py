from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kefu.calendars.selectors import calendar_get
from kefu.calendars.services import (
    calendar_create_defaults,
    calendar_load_official_year,
    calendar_year_export,
    calendar_year_import,
)
from kefu.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Working calendars. create-defaults: the office and 24x7 calendars; load-year KEY YEAR: the official "
        "schedule from chinesecalendar; export KEY YEAR [-o FILE]; import KEY FILE (all-or-nothing)."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("create-defaults", help="Create 'office' (Mon-Fri, official years) and '24x7'.")
        load = sub.add_parser("load-year", help="Load a year's official schedule from chinesecalendar.")
        load.add_argument("key")
        load.add_argument("year", type=int)
        export = sub.add_parser("export", help="Write a year's holidays and make-up days as YAML.")
        export.add_argument("key")
        export.add_argument("year", type=int)
        export.add_argument("-o", "--output", type=Path, help="File to write (default: standard output).")
        imp = sub.add_parser("import", help="Replace a year's special days from a YAML year file.")
        imp.add_argument("key")
        imp.add_argument("file", type=Path)

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "create-defaults":
                for calendar in calendar_create_defaults():
                    years = ", ".join(str(y) for y in calendar.years.values_list("year", flat=True)) or "24x7"
                    self.stdout.write(f"{calendar.key}: {calendar.name} ({years})")
            elif action == "load-year":
                loaded = calendar_load_official_year(calendar=calendar_get(key=options["key"]), year=options["year"])
                self.stdout.write(f"{loaded}: loaded from {loaded.source_name}")
            elif action == "export":
                text = calendar_year_export(calendar=calendar_get(key=options["key"]), year=options["year"])
                if options["output"]:
                    options["output"].write_text(text, encoding="utf-8")
                    self.stdout.write(f"wrote {options['output']}")
                else:
                    self.stdout.write(text, ending="")
            else:
                path: Path = options["file"]
                if not path.is_file():
                    raise CommandError(f"{path}: no such file")
                loaded = calendar_year_import(
                    calendar=calendar_get(key=options["key"]),
                    text=path.read_text(encoding="utf-8"),
                    source_name=str(path),
                )
                self.stdout.write(f"{loaded}: imported from {path}")
        except ApplicationError as exc:
            raise CommandError(exc.message)
