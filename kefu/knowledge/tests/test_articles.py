"""Knowledge articles: Chinese full-text search (the same answers on SQLite and PostgreSQL: the suite runs
on both), versions, review dates, visibility and "this article solved it"."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from kefu.cases.choices import EventKind
from kefu.core.exceptions import ConflictError, ForbiddenError
from kefu.knowledge.choices import ArticleStatus, Visibility
from kefu.knowledge.models import Article, ArticleSolved, Category
from kefu.knowledge.search import index_words, query_words
from kefu.knowledge.selectors import article_search, articles_visible_to, stale_articles
from kefu.knowledge.services import article_create, article_mark_solved, article_restore, article_update


@pytest.fixture
def kb(org):
    heating = Category.objects.create(name="供暖报修", code="heating", case_category="fault")
    service = Category.objects.create(name="服务规范", code="service", case_category="attitude")

    def make(title, body, category=heating, **kw):
        return article_create(title=title, body=body, category=category, actor=org.supervisor, **kw)

    return {
        "radiator": make(
            "暖气片不热怎么办",
            "供暖期间如果暖气片不热，请先检查进水阀门是否完全打开，再排出暖气片内的空气。",
            tags=["暖气", "排气"],
            visibility=Visibility.PUBLIC,
        ),
        "leak": make("暖气漏水的应急处理", "发现管道或接口漏水时，先关闭进水阀门，用毛巾包住漏点，并拨打报修电话。"),
        "fee": make("供暖费缴纳方式", "供暖费可以在营业厅、银行或微信公众号缴纳，逾期将产生滞纳金。"),
        "greeting": make(
            "接听电话的规范用语",
            "接听电话时应首先问好并报工号，结束时说感谢您的来电。",
            category=service,
            visibility=Visibility.PUBLIC,
        ),
        "draft": make("尚未发布的暖气片说明", "暖气片的草稿内容", status=ArticleStatus.DRAFT),
    }


def ids(results):
    return {a.pk for a in results.articles}


def test_the_database_under_test(db):
    """Which backend this run checks (the suite runs once on SQLite and once on PostgreSQL)."""
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_word_inside_a_sentence_finds_the_article(org, kb):
    # "阀门" appears only inside "请先检查进水阀门是否完全打开" and "先关闭进水阀门": no spaces anywhere.
    found = article_search(user=org.agent, query="阀门")
    assert ids(found) == {kb["radiator"].pk, kb["leak"].pk}
    assert ids(article_search(user=org.agent, query="滞纳金")) == {kb["fee"].pk}
    assert ids(article_search(user=org.agent, query="工号")) == {kb["greeting"].pk}


def test_every_word_must_match_before_any_word_does(org, kb):
    both = article_search(user=org.agent, query="暖气片 阀门")
    assert ids(both) == {kb["radiator"].pk} and both.all_words
    either = article_search(user=org.agent, query="滞纳金 毛巾")
    assert ids(either) == {kb["fee"].pk, kb["leak"].pk} and not either.all_words


def test_a_case_title_as_the_query_ranks_the_closest_article_first(org, kb):
    found = article_search(user=org.agent, query="客户反映家里暖气片不热")
    assert found.articles[0] == kb["radiator"]


def test_title_and_tag_words_are_found_and_drafts_are_not(org, kb):
    assert ids(article_search(user=org.agent, query="排气")) == {kb["radiator"].pk}  # a tag
    assert kb["draft"].pk not in ids(article_search(user=org.agent, query="暖气片"))


def test_full_width_and_case_do_not_matter(org, kb):
    article = article_create(title="ＡＰＰ登录失败", body="提示 Error 500 时请重新安装 App。", actor=org.supervisor)
    assert ids(article_search(user=org.agent, query="app")) == {article.pk}
    assert ids(article_search(user=org.agent, query="ERROR")) == {article.pk}


def test_category_narrows_the_search(org, kb):
    service = Category.objects.get(code="service")
    assert ids(article_search(user=org.agent, query="电话", category_ids=[service.pk])) == {kb["greeting"].pk}
    heating = Category.objects.get(code="heating")
    assert ids(article_search(user=org.agent, query="电话", category_ids=[heating.pk])) == {kb["leak"].pk}


def test_visitors_without_an_account_find_only_public_articles(org, kb):
    found = article_search(user=AnonymousUser(), query="阀门")
    assert ids(found) == {kb["radiator"].pk}
    assert set(articles_visible_to(AnonymousUser())) == {kb["radiator"], kb["greeting"]}


def test_an_edit_makes_a_new_version_keeps_the_old_and_reindexes(org, kb):
    article = kb["fee"]
    article = article_update(
        article=article,
        expected_version=1,
        actor=org.supervisor,
        body="供暖费可以通过支付宝缴纳。",
        change_note="缴费渠道调整",
    )
    assert article.version == 2
    assert [v.number for v in article.versions.order_by("number")] == [1, 2]
    assert "滞纳金" in article.versions.get(number=1).body
    assert ids(article_search(user=org.agent, query="滞纳金")) == set()
    assert ids(article_search(user=org.agent, query="支付宝")) == {article.pk}
    with pytest.raises(ConflictError):
        article_update(article=article, expected_version=1, actor=org.supervisor, title="旧版本上的修改")
    article = article_restore(article=article, number=1, expected_version=2, actor=org.supervisor)
    assert article.version == 3 and "滞纳金" in article.body
    assert ids(article_search(user=org.agent, query="滞纳金")) == {article.pk}


def test_only_editors_and_the_owner_change_articles(org, kb):
    with pytest.raises(ForbiddenError):
        article_create(title="x", body="y", actor=org.agent)
    with pytest.raises(ForbiddenError):
        article_update(article=kb["fee"], expected_version=None, actor=org.agent, title="改标题")
    mine = article_update(article=kb["fee"], expected_version=None, actor=org.supervisor, owner=org.handler)
    article_update(article=mine, expected_version=None, actor=org.handler, title="供暖费缴纳渠道")


def test_articles_past_their_review_date_are_flagged(org, kb):
    today = date(2026, 3, 1)
    article_update(article=kb["fee"], expected_version=None, actor=org.supervisor, review_due=today - timedelta(days=1))
    article_update(article=kb["leak"], expected_version=None, actor=org.supervisor, review_due=today)
    assert list(stale_articles(today=today)) == [Article.objects.get(pk=kb["fee"].pk)]


def test_this_solved_it_counts_once_per_case_and_goes_into_the_case_history(org, kb, make_case):
    case = make_case(case_type="repair", title="暖气片不热")
    assert article_mark_solved(article=kb["radiator"], case=case, actor=org.agent)
    assert not article_mark_solved(article=kb["radiator"], case=case, actor=org.agent)
    other = make_case(case_type="repair", title="暖气片还是不热")
    assert article_mark_solved(article=kb["radiator"], case=other, actor=org.agent)
    kb["radiator"].refresh_from_db()
    assert kb["radiator"].solved_count == 2
    assert ArticleSolved.objects.filter(article=kb["radiator"]).count() == 2
    event = case.events.order_by("-id").first()
    assert event.kind == EventKind.ACTIVITY and event.data == {"source": "knowledge", "article": kb["radiator"].pk}
    with pytest.raises(ForbiddenError):  # a case the person cannot see
        article_mark_solved(article=kb["leak"], case=case, actor=org.outsider)


def test_jieba_words_feed_the_index():
    assert index_words("暖气片不热") == "暖气 暖气片 不热"  # the search-engine cut: the words inside long ones too
    assert query_words("请问，暖气片不热怎么办？") == ["暖气片", "不热"]  # filler words do not narrow a search


def test_filters_still_find_the_few_matches_among_many_better_ranked_ones(org, db):
    """Many internal articles rank above the two public ones for a visitor's word: the visitor still
    gets the public ones (SQLite ranks inside FTS5 first and falls back to the full join)."""
    for i in range(110):
        article_create(title=f"阀门检修记录 {i}", body="阀门 阀门 阀门 内部检修记录。", actor=org.supervisor)
    public = [
        article_create(title=f"公开说明 {i}", body="请检查阀门。", visibility=Visibility.PUBLIC, actor=org.supervisor)
        for i in range(2)
    ]
    assert ids(article_search(user=AnonymousUser(), query="阀门")) == {a.pk for a in public}
    assert len(article_search(user=org.agent, query="阀门", page_size=20).articles) == 20
