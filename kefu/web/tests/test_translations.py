"""The Simplified Chinese catalog is complete: every entry translated, none fuzzy, and nothing in the
source that the catalog lacks (so a new untranslated string in the code fails here)."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
REGENERATE = (
    "cd to the project, run `DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python manage.py makemessages "
    "-l zh_Hans --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete`, translate, then "
    "`.venv/bin/kefu compile_catalog`"
)


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _describe(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r} ({where})"


def test_every_entry_is_translated_and_not_fuzzy():
    catalog = polib.pofile(str(CATALOG))
    untranslated = [_describe(e) for e in catalog.untranslated_entries()]
    fuzzy = [_describe(e) for e in catalog.fuzzy_entries()]
    empty_plurals = [_describe(e) for e in catalog if e.msgid_plural and not all(e.msgstr_plural.values())]
    assert not untranslated, "Untranslated entries:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(fuzzy)
    assert not empty_plurals, "Plural entries without a translation:\n" + "\n".join(empty_plurals)


def test_placeholders_survive_translation():
    catalog = polib.pofile(str(CATALOG))
    import re

    placeholder = re.compile(r"%\(\w+\)s|\{\w*\}")
    wrong = []
    for entry in catalog.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(text)):
                wrong.append(f"{entry.msgid!r} → {text!r}")
    assert not wrong, "Translations that lose or add a placeholder:\n" + "\n".join(wrong)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_catalog_has_every_string_of_the_source(tmp_path, settings, monkeypatch):
    """Extract the source's strings into a scratch copy and compare them with the committed catalog."""
    base = Path(settings.BASE_DIR)
    src = tmp_path / "src"
    for name in ("kefu", "config"):
        shutil.copytree(
            base / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "media")
        )
    (src / "locale").mkdir()
    settings.LOCALE_PATHS = [str(src / "locale")]
    monkeypatch.chdir(src)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0)

    extracted = polib.pofile(str(src / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = {_key(e) for e in polib.pofile(str(CATALOG)) if not e.obsolete}
    missing = [_describe(e) for e in extracted if e.msgid and _key(e) not in committed]
    assert not missing, f"Strings in the source but not in {CATALOG.name} ({REGENERATE}):\n" + "\n".join(missing)
