from django.conf import settings
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL

from kefu.core.exceptions import ApplicationError
from kefu.core.hotpath import CompiledQuery
from kefu.rulebooks.models import Rulebook, RulebookVersion
from kefu.rulebooks.schema import RulebookDoc, doc_from_document

__all__ = ("rulebook_doc", "rulebook_docs", "rulebook_for_new_case", "active_rulebooks")


# Versions are immutable, so the parsed document is cached per process by id and checksum. Bounded:
# a site has a handful of active versions; past this many the oldest entry makes room (not the
# whole cache: emptying it in the middle of `rulebook_docs` read the ones it had just put back).
_DOCS_MAX = 256
_docs: dict[tuple[int, str], RulebookDoc] = {}


def rulebook_doc(version: RulebookVersion) -> RulebookDoc:
    key = (version.pk, version.sha256)
    doc = _docs.get(key)
    if doc is None:
        # A version read with its document (a list of active rulebooks) is parsed as it is; one read
        # without it (a case's pinned version, deferred) fetches just the document.
        if "document" in version.get_deferred_fields():
            document = RulebookVersion.objects.values_list("document", flat=True).get(pk=version.pk)
        else:
            document = version.document
        doc = doc_from_document(document)
        if len(_docs) >= _DOCS_MAX:
            del _docs[next(iter(_docs))]
        _docs[key] = doc
    return doc


def rulebook_docs(versions: list[RulebookVersion]) -> dict[int, RulebookDoc]:
    """The parsed documents of many versions by id: the ones not cached yet are read in one query."""
    missing = [v.pk for v in versions if (v.pk, v.sha256) not in _docs]
    if missing:
        for version in RulebookVersion.objects.filter(pk__in=missing).only("id", "sha256", "document"):
            rulebook_doc(version)
    return {v.pk: rulebook_doc(v) for v in versions}


# A stamp of the working calendars (how many, and the latest change), read with the rulebook: the new
# case's clocks take their calendars from a per-process cache that this stamp validates
# (kefu.sla.services), instead of one more query per registration.
_CALENDARS_STAMP = (
    "SELECT CAST(count(*) AS TEXT) || ':' || COALESCE(CAST(max(updated_at) AS TEXT), '') FROM calendars_workcalendar"
)


def _for_new_case() -> QuerySet[Rulebook]:
    # The parsed document comes from the per-version cache (`version.doc`), so the ~20 KB of JSON and
    # source text are not fetched and decoded for every new case.
    return (
        Rulebook.objects.select_related("active_version")
        .defer("active_version__document", "active_version__source_text")
        .annotate(calendars_stamp=RawSQL(_CALENDARS_STAMP, [], output_field=CharField()))
        .order_by("pk")
    )


# Read for every new case: compiled once per process (kefu.core.hotpath).
_NAMED = CompiledQuery(lambda key: _for_new_case().filter(key=key)[:1], "\x00rulebook-key-sample")
_DEFAULT = CompiledQuery(lambda: _for_new_case().filter(is_default=True)[:1])


def rulebook_for_new_case(key: str | None = None) -> RulebookVersion:
    """The version a new case is opened under: the named rulebook's, or the site default's.

    The version carries `calendars_stamp` (see `_CALENDARS_STAMP`), read in the same query."""
    rulebook = _NAMED.first(key) if key else _DEFAULT.first() or _NAMED.first(settings.KEFU_DEFAULT_RULEBOOK)
    if rulebook is None or rulebook.active_version is None:
        raise ApplicationError(
            f"No rulebook '{key}' is loaded." if key else "No default rulebook is loaded: run `kefu rulebook load`.",
            extra={"rulebook": ["Unknown rulebook."]},
        )
    version = rulebook.active_version
    version.rulebook = rulebook  # already at hand: the case's detail shows the rulebook key
    version.calendars_stamp = rulebook.calendars_stamp
    return version


def active_rulebooks() -> list[Rulebook]:
    return list(Rulebook.objects.filter(active_version__isnull=False).select_related("active_version"))
