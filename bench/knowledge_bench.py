"""Knowledge benchmarks: Chinese full-text search at scale, and the 服务忌语 check.

    # search on SQLite (an empty KEFU_VAR_DIR, `kefu setup` first) or PostgreSQL (DATABASE_URL)
    python bench/knowledge_bench.py search --articles 100000 --queries 300
    # the taboo check: a 2,000-character reply against 1,000 phrases (no database)
    python bench/knowledge_bench.py taboo --phrases 1000 --chars 2000 --repeat 5000

`search` fills the knowledge base up to --articles (bulk insert, words cut by jieba like the service
does), then times `article_search` (jieba + FTS5 / tsvector with GIN) against a naive LIKE scan over
title and text for the same words, printing p50/p95/max and the load average. `taboo` times
`TabooMatcher.find` (Aho–Corasick, one pass) against a loop over the phrases with `str.find` on the
same normalised text. Prints figures; asserts nothing. docs/benchmarks.md records the runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

# The project, not bench/ (its queue.py would shadow the standard library module).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402

from kefu.knowledge.choices import ArticleStatus, Visibility  # noqa: E402
from kefu.knowledge.models import Article, Category  # noqa: E402
from kefu.knowledge.search import index_words, query_words  # noqa: E402
from kefu.knowledge.selectors import article_search  # noqa: E402
from kefu.knowledge.taboo import TabooMatcher, normalise  # noqa: E402
from kefu.org.models import User  # noqa: E402

_PLACES = "客厅 卧室 厨房 卫生间 阳台 楼道 地下室 机房 营业厅 小区 单元 门口".split()
_THINGS = (
    "暖气片 热水器 空调 水表 电表 燃气灶 路由器 光猫 电梯 门禁 水管 阀门 开关 插座 显示屏 遥控器 外机 滤网 "
    "发票 账单 合同 套餐 积分 会员卡 快递 包裹 配件 电池 线路 信号 网络 宽带 电视 冰箱 洗衣机 油烟机"
).split()
_PROBLEMS = (
    "不热 漏水 不制冷 无法点火 异响 跳闸 无信号 读数异常 打不开 显示故障代码 耗电快 噪音大 渗水 "
    "收费错误 开票失败 未到账 被多收 延误 丢失 破损 无法登录 卡顿 断线 频繁重启"
).split()
_ACTIONS = [
    "请先检查{t}是否打开，再观察十分钟",
    "可以关闭总闸后重新启动{t}",
    "需要维修人员上门检查{t}",
    "请拍照留存{t}的现状并联系客服",
    "保修期内免费更换{t}",
    "收费前必须告知客户{t}的费用标准",
    "按规定在两个工作日内答复客户",
    "处理完毕后进行回访并记录客户原话",
    "向客户道歉并说明原因，不得与客户争辩",
    "如遇紧急情况立即报告部门负责人",
]
QUERIES = [
    "暖气片不热",
    "阀门",
    "热水器 无法点火",
    "发票",
    "漏水怎么办",
    "电梯异响",
    "路由器无信号",
    "客户反映家里暖气片不热，维修人员一直没来",
    "收费错误 退款",
    "遥控器",
    "宽带断线",
    "燃气灶 跳闸",
    "会员卡积分",
    "滤网",
    "账单被多收",
    "光猫频繁重启",
]


def _sentence(rng: random.Random) -> str:
    thing = rng.choice(_THINGS)
    return f"{rng.choice(_PLACES)}的{thing}{rng.choice(_PROBLEMS)}时，{rng.choice(_ACTIONS).format(t=rng.choice(_THINGS))}。"


def fill(target: int, rng: random.Random, batch: int = 2000) -> None:
    have = Article.objects.count()
    if have >= target:
        print(f"articles: {have:,} present")
        return
    owner = User.objects.filter(is_superuser=True).first() or User.objects.create_user(
        username="bench", password="x", role="administrator", is_superuser=True
    )
    category, _ = Category.objects.get_or_create(code="bench", defaults={"name": "基准测试"})
    started = time.monotonic()
    made = have
    while made < target:
        rows = []
        for _ in range(min(batch, target - made)):
            title = f"{rng.choice(_THINGS)}{rng.choice(_PROBLEMS)}怎么办"
            body = "".join(_sentence(rng) for _ in range(rng.randrange(3, 9)))
            rows.append(
                Article(
                    title=title,
                    body=body,
                    category=category,
                    owner=owner,
                    status=ArticleStatus.PUBLISHED,
                    visibility=Visibility.PUBLIC if rng.random() < 0.3 else Visibility.INTERNAL,
                    search_title=index_words(title, category.name),
                    search_body=index_words(body),
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(rows)
        made += len(rows)
        print(f"  {made:,} articles ({time.monotonic() - started:.0f}s)", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE knowledge_article")
    print(f"articles: {made:,} ({made - have:,} made in {time.monotonic() - started:.0f}s)")


def _naive(query: str) -> list[int]:
    qs = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    for word in query_words(query):
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return list(qs.order_by("-id").values_list("id", flat=True)[:20])


def _stats(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"{name:<28} n={len(samples):>4}  p50 {statistics.median(ordered) * 1000:8.2f} ms  "
        f"p95 {p95 * 1000:8.2f} ms  max {ordered[-1] * 1000:8.2f} ms"
    )


def bench_search(articles: int, queries: int, seed: int, naive_queries: int) -> None:
    rng = random.Random(seed)
    print(f"database: {connection.vendor}; load average before: {os.getloadavg()}")
    fill(articles, rng)
    user = User.objects.filter(is_active=True).order_by("pk").first()
    article_search(user=user, query="预热")  # jieba's dictionary loads once per process
    timed, hits = [], []
    for i in range(queries):
        query = QUERIES[i % len(QUERIES)]
        started = time.perf_counter()
        results = article_search(user=user, query=query)
        timed.append(time.perf_counter() - started)
        hits.append(len(results.articles))
    naive = []
    for i in range(naive_queries):
        started = time.perf_counter()
        _naive(QUERIES[i % len(QUERIES)])
        naive.append(time.perf_counter() - started)
    print(_stats("full-text (jieba + index)", timed), f" mean results/page {statistics.mean(hits):.1f}")
    print(_stats("naive LIKE scan", naive))
    print(f"load average after: {os.getloadavg()}")


def bench_taboo(phrases: int, chars: int, repeat: int, seed: int) -> None:
    from kefu.knowledge.rules import ServiceLanguageSection  # noqa: F401 - the section the list comes from

    rng = random.Random(seed)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
    filler = "您好，关于您反映的问题，我们已经安排维修人员明天上午上门检查，请您保持电话畅通。"
    seen = normalise(filler)[0]
    table: list[str] = []
    while len(table) < phrases - 5:  # made-up phrases that do not occur in the reply
        phrase = "".join(rng.choice(alphabet) for _ in range(rng.randrange(2, 5)))
        if phrase not in seen and phrase not in table:
            table.append(phrase)
    table += ["老头", "老太婆", "神经病", "喂，干什么", "叫什么，等一会儿"]
    tail = "喂，干什么？叫什么，等一会儿！"
    text = (filler * (chars // len(filler) + 1))[: chars - len(tail)] + tail
    started = time.perf_counter()
    matcher = TabooMatcher(table)
    build = time.perf_counter() - started
    matcher.find(text)
    keys = [normalise(p)[0] for p in table]
    fast, slow = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        found = matcher.find(text)
        fast.append(time.perf_counter() - started)
    for _ in range(max(1, repeat // 10)):
        started = time.perf_counter()
        norm = normalise(text)[0]
        naive_hits = [k for k in keys if k and norm.find(k) >= 0]
        slow.append(time.perf_counter() - started)
    print(f"load average before: {os.getloadavg()}")
    print(
        f"phrases {len(table)}, text {len(text)} characters; automaton built in {build * 1000:.1f} ms (once per rulebook version)"
    )
    print(_stats("Aho–Corasick (one pass)", fast), f" hits {len(found)}")
    print(_stats("naive loop over phrases", slow), f" phrases found {len(naive_hits)} (positions not mapped)")
    print(f"load average after: {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    search = sub.add_parser("search")
    search.add_argument("--articles", type=int, default=100_000)
    search.add_argument("--queries", type=int, default=300)
    search.add_argument("--naive-queries", type=int, default=32)
    search.add_argument("--seed", type=int, default=11)
    taboo = sub.add_parser("taboo")
    taboo.add_argument("--phrases", type=int, default=1000)
    taboo.add_argument("--chars", type=int, default=2000)
    taboo.add_argument("--repeat", type=int, default=5000)
    taboo.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.what == "search":
        bench_search(args.articles, args.queries, args.seed, args.naive_queries)
    else:
        bench_taboo(args.phrases, args.chars, args.repeat, args.seed)


if __name__ == "__main__":
    main()
