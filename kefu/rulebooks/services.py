"""Loading rulebooks. A load is all-or-nothing: an invalid file changes nothing, and loading several
files at once loads all of them or none."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from kefu.org.models import User
from kefu.rulebooks.models import Rulebook, RulebookVersion
from kefu.rulebooks.schema import Problem, RulebookDoc, RulebookError, doc_to_document, parse_rulebook
from kefu.rulebooks.yamltext import YamlProblem, decode_rulebook_bytes

__all__ = (
    "PRESET_DIR",
    "LoadResult",
    "RulebooksRefused",
    "read_rulebook_file",
    "rulebook_load",
    "rulebook_load_file",
    "rulebook_load_files",
    "rulebook_load_presets",
    "site_calendars",
)

PRESET_DIR = Path(__file__).resolve().parent / "presets"


@dataclass(frozen=True)
class LoadResult:
    source: str
    version: RulebookVersion
    created: bool


def site_calendars() -> set[str]:
    """The working calendar keys this site has (what a rulebook's clocks may count on)."""
    from kefu.calendars.models import WorkCalendar

    return set(WorkCalendar.objects.values_list("key", flat=True))


def read_rulebook_file(path: Path) -> str:
    """The file's text; a file that is not UTF-8 is a RulebookError naming the line, not a traceback."""
    try:
        return decode_rulebook_bytes(path.read_bytes())
    except YamlProblem as exc:
        raise RulebookError(str(path), [Problem("", message, line) for line, message in exc.problems])


def _store(
    doc: RulebookDoc, *, text: str, source: str, actor: User | None, make_default: bool
) -> tuple[RulebookVersion, bool]:
    digest = hashlib.sha256(text.encode()).hexdigest()
    rulebook, _ = Rulebook.objects.select_for_update().get_or_create(key=doc.key, defaults={"name": doc.name})
    if rulebook.active_version and rulebook.active_version.sha256 == digest:
        created = False
        version = rulebook.active_version
    else:
        last = rulebook.versions.order_by("-number").first()
        version = RulebookVersion.objects.create(
            rulebook=rulebook,
            number=(last.number + 1) if last else 1,
            document=doc_to_document(doc),
            source_text=text,
            sha256=digest,
            loaded_by=actor,
            source_name=source[:300],
        )
        created = True
    rulebook.name = doc.name
    rulebook.active_version = version
    if make_default:
        Rulebook.objects.filter(is_default=True).exclude(pk=rulebook.pk).update(is_default=False)
        rulebook.is_default = True
    rulebook.save()
    version.rulebook = rulebook
    return version, created


@transaction.atomic
def rulebook_load(
    *, text: str, source: str = "<upload>", actor: User | None = None, make_default: bool = False
) -> tuple[RulebookVersion, bool]:
    """Validate `text` and make it the rulebook's active version.

    Returns (version, created). Loading the text that is already active creates nothing, so
    presets can be loaded at every start. Cases opened under older versions keep them. The clocks'
    working calendars must exist on this site (a rulebook naming a missing one is refused).
    """
    doc = parse_rulebook(text, source=source, calendars=site_calendars())
    return _store(doc, text=text, source=source, actor=actor, make_default=make_default)


def rulebook_load_file(
    *, path: Path, actor: User | None = None, make_default: bool = False
) -> tuple[RulebookVersion, bool]:
    return rulebook_load(text=read_rulebook_file(path), source=str(path), actor=actor, make_default=make_default)


class RulebooksRefused(Exception):
    """Some of the files given to `rulebook_load_files` were invalid; nothing was loaded.
    `errors` holds one RulebookError per invalid file, in the order given."""

    def __init__(self, errors: list[RulebookError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@transaction.atomic
def rulebook_load_files(
    *, paths: list[Path], actor: User | None = None, make_default: bool = False
) -> list[LoadResult]:
    """Load several files as one change: every file is checked first, and if any is invalid nothing is
    loaded (RulebooksRefused lists every invalid file). With `make_default`, the last file's rulebook
    becomes the default."""
    calendars = site_calendars()
    parsed: list[tuple[Path, str, RulebookDoc]] = []
    errors: list[RulebookError] = []
    for path in paths:
        try:
            text = read_rulebook_file(path)
            parsed.append((path, text, parse_rulebook(text, source=str(path), calendars=calendars)))
        except RulebookError as exc:
            errors.append(exc)
    if errors:
        raise RulebooksRefused(errors)
    results = []
    for i, (path, text, doc) in enumerate(parsed):
        version, created = _store(
            doc, text=text, source=str(path), actor=actor, make_default=make_default and i == len(parsed) - 1
        )
        results.append(LoadResult(str(path), version, created))
    return results


def rulebook_load_presets(*, default_key: str | None = None) -> list[tuple[RulebookVersion, bool]]:
    """Load every preset shipped with Kefu (idempotent)."""
    results = []
    for path in sorted(PRESET_DIR.glob("*.yaml")):
        version, created = rulebook_load_file(path=path)
        results.append((version, created))
    if default_key and not Rulebook.objects.filter(is_default=True).exists():
        Rulebook.objects.filter(key=default_key).update(is_default=True)
    return results
