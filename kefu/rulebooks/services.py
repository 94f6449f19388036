"""Loading rulebooks. A load is all-or-nothing: an invalid file changes nothing."""

import hashlib
from pathlib import Path

from django.db import transaction

from kefu.org.models import User
from kefu.rulebooks.models import Rulebook, RulebookVersion
from kefu.rulebooks.schema import doc_to_document, parse_rulebook

__all__ = ("rulebook_load", "rulebook_load_file", "rulebook_load_presets", "PRESET_DIR")

PRESET_DIR = Path(__file__).resolve().parent / "presets"


@transaction.atomic
def rulebook_load(
    *, text: str, source: str = "<upload>", actor: User | None = None, make_default: bool = False
) -> tuple[RulebookVersion, bool]:
    """Validate `text` and make it the rulebook's active version.

    Returns (version, created). Loading the text that is already active creates nothing, so
    presets can be loaded at every start. Cases opened under older versions keep them.
    """
    doc = parse_rulebook(text, source=source)
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
            source_name=source,
        )
        created = True
    rulebook.name = doc.name
    rulebook.active_version = version
    if make_default:
        Rulebook.objects.filter(is_default=True).exclude(pk=rulebook.pk).update(is_default=False)
        rulebook.is_default = True
    rulebook.save()
    return version, created


def rulebook_load_file(
    *, path: Path, actor: User | None = None, make_default: bool = False
) -> tuple[RulebookVersion, bool]:
    return rulebook_load(
        text=path.read_text(encoding="utf-8"), source=str(path), actor=actor, make_default=make_default
    )


def rulebook_load_presets(*, default_key: str | None = None) -> list[tuple[RulebookVersion, bool]]:
    """Load every preset shipped with Kefu (idempotent)."""
    results = []
    for path in sorted(PRESET_DIR.glob("*.yaml")):
        version, created = rulebook_load_file(path=path)
        results.append((version, created))
    if default_key and not Rulebook.objects.filter(is_default=True).exists():
        Rulebook.objects.filter(key=default_key).update(is_default=True)
    return results
