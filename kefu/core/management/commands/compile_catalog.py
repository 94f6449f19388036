from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

__all__ = ("catalog_paths",)


def catalog_paths() -> list[Path]:
    """Every translation catalog of Kefu: the project's (LOCALE_PATHS) and each Kefu app's own
    `kefu/<app>/locale/` (apps added later keep their strings there, so they never edit one shared file)."""
    bases = [Path(p) for p in settings.LOCALE_PATHS]
    bases += [Path(app.path) / "locale" for app in apps.get_app_configs() if app.name.startswith("kefu.")]
    return sorted({po for base in bases if base.is_dir() for po in base.glob("*/LC_MESSAGES/*.po")})


class Command(BaseCommand):
    help = "Compile the translation catalogs (.po → .mo) without needing GNU gettext on the machine."

    def handle(self, *args, **options) -> None:
        for po_path in catalog_paths():
            po = polib.pofile(str(po_path))
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"compiled {po_path} ({len(po.translated_entries())} messages)")
