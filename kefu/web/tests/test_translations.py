"""Every Simplified Chinese catalog is complete: every entry translated, none fuzzy, and nothing in the
source that the catalogs lack (so a new untranslated string in the code fails here).

Catalogs: the project's (locale/) for the engine's apps, and one per app that has its own
`kefu/<app>/locale/` (the apps built on the engine). makemessages puts each string in the nearest one.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from kefu.core.management.commands.compile_catalog import catalog_paths

REGENERATE = (
    "cd to the project, run `DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python manage.py makemessages "
    "-l zh_Hans --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete --no-location`, translate, "
    "then `.venv/bin/kefu compile_catalog`"
)
CATALOGS = [p for p in catalog_paths() if p.parent.parent.name == "zh_Hans"]
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w*\}")


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _describe(entry: polib.POEntry) -> str:
    return repr(entry.msgid)


def _name(path: Path) -> str:
    return str(path.relative_to(settings.BASE_DIR))


def test_there_is_a_project_catalog():
    assert Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po" in CATALOGS


@pytest.mark.parametrize("catalog", CATALOGS, ids=_name)
def test_every_entry_is_translated_and_not_fuzzy(catalog):
    po = polib.pofile(str(catalog))
    untranslated = [_describe(e) for e in po.untranslated_entries()]
    fuzzy = [_describe(e) for e in po.fuzzy_entries()]
    empty_plurals = [_describe(e) for e in po if e.msgid_plural and not all(e.msgstr_plural.values())]
    assert not untranslated, "Untranslated entries:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(fuzzy)
    assert not empty_plurals, "Plural entries without a translation:\n" + "\n".join(empty_plurals)


@pytest.mark.parametrize("catalog", CATALOGS, ids=_name)
def test_placeholders_survive_translation(catalog):
    wrong = []
    for entry in polib.pofile(str(catalog)).translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append(f"{entry.msgid!r} → {text!r}")
    assert not wrong, "Translations that lose or add a placeholder:\n" + "\n".join(wrong)


def test_catalogs_have_every_string_of_the_source(tmp_path, settings, monkeypatch):
    """Extract the source's strings into a scratch copy and compare each catalog with the committed one.

    Needs GNU gettext's xgettext (scripts/test.sh installs it, as Django's makemessages does)."""
    assert shutil.which("xgettext"), "GNU gettext is needed: apt-get install gettext (scripts/test.sh does it)"
    base = Path(settings.BASE_DIR)
    src = tmp_path / "src"
    for name in ("kefu", "config"):
        shutil.copytree(
            base / name,
            src / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "media", "*.po", "*.mo"),
        )
    (src / "locale").mkdir()
    for catalog in CATALOGS:  # empty locale dirs where the committed catalogs are, so strings land alike
        (src / catalog.relative_to(base)).parent.parent.parent.mkdir(parents=True, exist_ok=True)
    settings.LOCALE_PATHS = [str(src / "locale")]
    monkeypatch.chdir(src)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_location=True)

    problems = []
    extracted_paths = sorted(src.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
    assert extracted_paths
    for extracted_path in extracted_paths:
        committed_path = base / extracted_path.relative_to(src)
        committed = (
            {_key(e) for e in polib.pofile(str(committed_path)) if not e.obsolete} if committed_path.exists() else set()
        )
        missing = [_describe(e) for e in polib.pofile(str(extracted_path)) if e.msgid and _key(e) not in committed]
        if missing:
            problems.append(f"In the source but not in {_name(committed_path)}:\n  " + "\n  ".join(missing))
    assert not problems, f"({REGENERATE})\n" + "\n".join(problems)
