"""Reads of the knowledge app, each restricted to what the reader may see."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from kefu.knowledge.choices import ArticleStatus, TemplatePurpose, Visibility
from kefu.knowledge.models import Article, Category, ReplyTemplate, TextCheckOverride
from kefu.knowledge.search import SearchHits, query_words, search_article_ids
from kefu.knowledge.services import is_editor, reads_internal

__all__ = (
    "ArticleResults",
    "article_search",
    "articles_visible_to",
    "categories_for_case_category",
    "override_counts",
    "stale_articles",
    "templates_for_case",
)


def articles_visible_to(user: Any) -> QuerySet[Article]:
    """Visitors and accounts without a role: published public articles. Staff: published articles
    and their own. Editors: everything, drafts and retired ones included."""
    qs = Article.objects.all()
    if not reads_internal(user):
        return qs.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)
    if is_editor(user):
        return qs
    return qs.filter(Q(status=ArticleStatus.PUBLISHED) | Q(owner=user))


class ArticleResults:
    """One page of search results, in rank order."""

    def __init__(self, articles: list[Article], hits: SearchHits, words: list[str]) -> None:
        self.articles = articles
        self.has_more = hits.has_more
        self.all_words = hits.all_words
        self.words = words


def article_search(
    *, user: Any, query: str, category_ids: list[int] | None = None, page: int = 1, page_size: int = 20
) -> ArticleResults:
    """Full-text search (kefu.knowledge.search) within what `user` may read: published articles;
    public ones only for visitors and accounts without a role."""
    words = query_words(query)
    public_only = not reads_internal(user)
    hits = search_article_ids(
        words=words,
        statuses=(ArticleStatus.PUBLISHED,),
        public_only=public_only,
        category_ids=category_ids,
        limit=page_size,
        offset=(max(page, 1) - 1) * page_size,
    )
    found = Article.objects.filter(pk__in=hits.ids).select_related("category", "owner").defer("body")
    by_id = {a.pk: a for a in found}
    return ArticleResults([by_id[pk] for pk in hits.ids if pk in by_id], hits, words)


def categories_for_case_category(code: str) -> list[Category]:
    if not code:
        return []
    return list(Category.objects.filter(case_category=code, is_active=True))


def templates_for_case(case: Any, purpose: str) -> list[ReplyTemplate]:
    """Active templates that fit the case's rulebook, type and stage (empty = any), the most specific
    first, for a reply (`reply`) or a note (`note`)."""
    qs = ReplyTemplate.objects.filter(
        is_active=True,
        purpose__in=[purpose, TemplatePurpose.ANY],
        rulebook__in=["", case.rulebook_version.rulebook.key],
        case_type__in=["", case.case_type],
        stage__in=["", case.stage],
    )
    templates = list(qs)
    templates.sort(key=lambda t: (-(bool(t.stage) + bool(t.case_type) + bool(t.rulebook)), t.sort, t.name))
    return templates


def override_counts(*, start: datetime, end: datetime, unit_path: str | None = None) -> list[dict[str, Any]]:
    """Per person: how many customer texts they sent despite 服务忌语 warnings in [start, end), and how
    many phrases those contained — for appraisal. `unit_path` narrows to a unit and the units below."""
    qs = TextCheckOverride.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if unit_path:
        qs = qs.filter(actor__unit__path__startswith=unit_path)
    rows = (
        qs.values("actor", "actor__username", "actor__display_name", "actor__unit__name")
        .annotate(sent=Count("id"), phrases=Sum("hits"))
        .order_by("-sent", "actor__username")
    )
    return list(rows)


def stale_articles(*, today: date) -> QuerySet[Article]:
    """Published articles whose review date has passed."""
    return Article.objects.filter(status=ArticleStatus.PUBLISHED, review_due__lt=today)
