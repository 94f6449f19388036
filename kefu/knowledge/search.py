"""Full-text search of the knowledge base that works for Chinese, on PostgreSQL and on SQLite.

Chinese has no spaces between words, so neither database can find "阀门" inside "请先检查阀门是否打开"
by itself. Kefu cuts the text into words with jieba (the search-engine mode, which also emits the
shorter words inside long ones: 暖气片 → 暖气, 暖气片) and stores them joined by spaces on the
article (`search_title`: title, tags and category; `search_body`: summary and text). The database
then indexes those words like any space-separated language:

* **PostgreSQL**: a generated `tsvector` column, `setweight(to_tsvector('simple', search_title), 'A')
  || setweight(to_tsvector('simple', search_body), 'B')`, with a GIN index (migration 0002); ranked
  with `ts_rank`. The 'simple' configuration neither stems nor drops words, so what jieba produced is
  what is indexed. (The database's LC_CTYPE must be a UTF-8 locale, e.g. C.UTF-8: with plain "C" the
  text parser does not see Chinese characters as letters.)
* **SQLite**: an FTS5 table over the same two columns (unicode61 tokenizer: it splits on the spaces),
  kept in step by triggers; ranked with `bm25` (title words weigh 4×).

A query is cut the same way (precise mode) and every word must occur; if no article has them all,
articles with any of them are shown, best first. The newest CANDIDATES matching articles are ranked
(a word found in a quarter of the knowledge base would otherwise cost a rank computation per match).
Both databases receive the same words with the same AND/OR meaning and cut the candidates the same
way, so they find the same articles; the order of equally good matches may differ (ts_rank and bm25
score differently).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

__all__ = ("SearchHits", "index_words", "query_words", "search_article_ids")

_WORD = re.compile(r"[^\W_]+")
# Words too common to narrow a search (and too short to mean anything alone).
_STOP = frozenset(
    "的 了 是 在 和 与 及 或 也 就 都 而 并 但 请 吗 呢 吧 啊 我 你 您 他 她 它 们 这 那 有 个 把 被 对 从 为 以 于 等 "
    "请问 怎么 怎么办 如何 什么 为什么 可以 一下 客户 反映".split()
)
MAX_QUERY_WORDS = 16
# Matches ranked per query: the newest CANDIDATES articles that match (and pass the filters). Ranking
# every match of a word found in a quarter of 100,000 articles costs more than the search itself;
# among the newest 1,000 the best are as good, and both databases cut the same way.
CANDIDATES = 1000


@functools.cache
def _jieba():
    """jieba, imported on first use: with its dictionary code (and pkg_resources) it is several MB that
    a web worker which never searches the knowledge base — most of them — does not carry."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _words(pieces: Iterable[str]) -> list[str]:
    out = []
    for piece in pieces:
        for word in _WORD.findall(piece):
            if word not in _STOP:
                out.append(word)
    return out


def index_words(*texts: str) -> str:
    """The words of `texts` as the index stores them: jieba's search-engine cut, joined by spaces."""
    words: list[str] = []
    for text in texts:
        if text:
            words += _words(_jieba().cut_for_search(_normal(text)))
    return " ".join(words)


def query_words(text: str) -> list[str]:
    """The words of a query (jieba's precise cut), without duplicates, at most MAX_QUERY_WORDS.

    Single characters (没、来、修…) are dropped when the query has longer words: in a sentence such as a
    case title they are function words that match most of the knowledge base and narrow nothing."""
    seen: dict[str, None] = {}
    for word in _words(_jieba().cut(_normal(text or ""))):
        seen.setdefault(word, None)
    words = list(seen)
    if any(len(w) > 1 for w in words):
        words = [w for w in words if len(w) > 1]
    return words[:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class SearchHits:
    ids: list[int]  # best first
    has_more: bool
    all_words: bool  # every word matched (False: the any-word fallback)


def search_article_ids(
    *,
    words: list[str],
    statuses: tuple[str, ...],
    public_only: bool,
    category_ids: list[int] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchHits:
    """Ids of the articles that contain the words, best first; all words, else any of them."""
    if not words:
        return SearchHits(ids=[], has_more=False, all_words=True)
    run = _postgres if connection.vendor == "postgresql" else _sqlite
    for require_all in (True, False):
        rows = run(words, require_all, statuses, public_only, category_ids, limit + 1, offset)
        if rows or not require_all or len(words) == 1:
            return SearchHits(ids=rows[:limit], has_more=len(rows) > limit, all_words=require_all)
    return SearchHits(ids=[], has_more=False, all_words=False)  # pragma: no cover - loop always returns


def _filters(statuses: tuple[str, ...], public_only: bool, category_ids: list[int] | None) -> tuple[str, list[object]]:
    sql = " AND a.status IN (" + ", ".join(["%s"] * len(statuses)) + ")"
    params: list[object] = list(statuses)
    if public_only:
        sql += " AND a.visibility = %s"
        params.append("public")
    if category_ids:
        sql += " AND a.category_id IN (" + ", ".join(["%s"] * len(category_ids)) + ")"
        params += category_ids
    return sql, params


def _postgres(
    words: list[str],
    require_all: bool,
    statuses: tuple[str, ...],
    public_only: bool,
    category_ids: list[int] | None,
    limit: int,
    offset: int,
) -> list[int]:
    # Words are letters and digits only (_WORD), so quoting them makes a valid tsquery.
    tsquery = (" & " if require_all else " | ").join(f"'{w}'" for w in words)
    where, params = _filters(statuses, public_only, category_ids)
    sql = (
        "SELECT c.id FROM (SELECT a.id, a.search_vector FROM knowledge_article a "
        "WHERE a.search_vector @@ to_tsquery('simple', %s)" + where + " ORDER BY a.id DESC LIMIT %s) c "
        "ORDER BY ts_rank(c.search_vector, to_tsquery('simple', %s)) DESC, c.id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery, *params, CANDIDATES, tsquery, limit, offset])
        return [row[0] for row in cursor.fetchall()]


def _sqlite(
    words: list[str],
    require_all: bool,
    statuses: tuple[str, ...],
    public_only: bool,
    category_ids: list[int] | None,
    limit: int,
    offset: int,
) -> list[int]:
    match = (" AND " if require_all else " OR ").join(f'"{w}"' for w in words)
    where, params = _filters(statuses, public_only, category_ids)
    sql = (
        "SELECT id FROM (SELECT a.id AS id, bm25(knowledge_article_fts, 4.0, 1.0) AS score "
        "FROM knowledge_article_fts JOIN knowledge_article a ON a.id = knowledge_article_fts.rowid "
        "WHERE knowledge_article_fts MATCH %s" + where + " ORDER BY knowledge_article_fts.rowid DESC LIMIT %s) "
        "ORDER BY score, id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params, CANDIDATES, limit, offset])
        return [row[0] for row in cursor.fetchall()]
