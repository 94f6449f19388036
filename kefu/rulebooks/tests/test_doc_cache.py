"""The per-process cache of parsed rulebook documents (kefu.rulebooks.selectors)."""

import pytest

from kefu.rulebooks import selectors
from kefu.rulebooks.models import RulebookVersion

pytestmark = pytest.mark.django_db


def test_a_full_cache_makes_room_without_dropping_what_a_list_just_read(
    rulebooks, monkeypatch, django_assert_num_queries
):
    """A list page reads the documents of its cases' versions in one query. When the cache is near its
    bound, making room must not drop the documents that same call has just put in (emptying the
    whole cache did, and each was then read again: one query per version instead of one in all)."""
    versions = list(RulebookVersion.objects.defer("document").order_by("pk")[:3])
    monkeypatch.setattr(selectors, "_DOCS_MAX", 4)
    monkeypatch.setattr(selectors, "_docs", {(-1, "a"): None, (-2, "b"): None})
    with django_assert_num_queries(1):
        docs = selectors.rulebook_docs(versions)
    assert sorted(docs) == sorted(v.pk for v in versions)
    assert all(docs[v.pk].key == v.rulebook.key for v in versions)
    assert len(selectors._docs) == 4 and (-1, "a") not in selectors._docs  # the oldest made room
