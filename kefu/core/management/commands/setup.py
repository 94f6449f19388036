from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kefu.calendars.services import calendar_create_defaults
from kefu.rulebooks.services import rulebook_load_presets


class Command(BaseCommand):
    help = "Prepare a Kefu site: migrate the database, compile translations, load the preset rulebooks."

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        call_command("compile_catalog", verbosity=0)
        for calendar in calendar_create_defaults(first_year=2025):
            years = ", ".join(str(y) for y in calendar.years.values_list("year", flat=True)) or "24x7"
            self.stdout.write(f"calendar {calendar.key}: {years}")
        for version, created in rulebook_load_presets(default_key=settings.KEFU_DEFAULT_RULEBOOK):
            state = "loaded" if created else "unchanged"
            self.stdout.write(f"rulebook {version.rulebook.key} v{version.number} {state}")
