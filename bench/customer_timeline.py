"""The customer timeline for a customer with 10,000 records: `customer_timeline` against a raw SQL UNION.

    psql postgres://postgres@127.0.0.1:5432/postgres -c "CREATE DATABASE kefu_cf9"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_cf9 KEFU_VAR_DIR=/tmp/kefu-timeline-bench
    .venv/bin/kefu setup
    .venv/bin/python bench/customer_timeline.py --records 10000

Builds (once; a rerun reuses it) one customer, 王建国, with --records rows spread over five years:
60% cases (registered through `case_register` once, then bulk copies with their own numbers and
times), 25% work orders (one `workorder_create`, then copies) and 15% return visits made (a task and
its record each). The reader is a quality officer: every case visible, the anonymous ones with their
complainant (the rulebook's identity roles), so both sides return the same rows.

* ours: `customer_timeline(customer, user, before=…, limit=30)` — every registered source with its
  visibility filter and keyset condition, merged in Python;
* raw: one SQL `SELECT … UNION ALL …` of the same rows (case received, case events, orders, visit
  records, file history) with the same keyset row comparison, `ORDER BY … LIMIT 31` — no visibility
  filters at all, the floor for reading those rows.

First page and a deep page (the cursor of the entry at position --deep). Prints the median of
--repeat runs of each, the ratio and os.getloadavg(). Asserts that both return the same entries.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kefu.cases.models import Case, CaseEvent  # noqa: E402
from kefu.cases.services import case_register  # noqa: E402
from kefu.customers.models import Customer  # noqa: E402
from kefu.customers.services import customer_create  # noqa: E402
from kefu.customers.timeline import Cursor, customer_timeline  # noqa: E402
from kefu.org.choices import Role, UnitKind  # noqa: E402
from kefu.org.models import OrgUnit, User  # noqa: E402
from kefu.org.services import unit_create  # noqa: E402
from kefu.visits.models import VisitRecord, VisitTask  # noqa: E402
from kefu.workorders.models import WorkOrder  # noqa: E402
from kefu.workorders.services import workorder_create  # noqa: E402

CODE = "CBENCHTIMELINE"
RAW = """
SELECT * FROM (
  SELECT received_at AS at, 'cases' AS src, id FROM cases_case WHERE customer_id = %(c)s
  UNION ALL
  SELECT e.created_at, 'case_events', e.id FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id
   WHERE c.customer_id = %(c)s AND e.kind <> 'registered'
  UNION ALL
  SELECT reported_at, 'work_orders', id FROM workorders_workorder WHERE customer_id = %(c)s
  UNION ALL
  SELECT r.written_at, 'visits', r.id FROM visits_visitrecord r JOIN visits_visittask t ON t.id = r.task_id
   WHERE t.customer_id = %(c)s
  UNION ALL
  SELECT created_at, 'file', id FROM customers_customerevent WHERE customer_id = %(c)s
) AS t
WHERE %(first)s OR (at, src COLLATE "C", id) < (%(at)s, %(src)s, %(id)s)
ORDER BY at DESC, src COLLATE "C" DESC, id DESC
LIMIT %(n)s
"""


def _clone(instance, **changes):
    values = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}
    values.update(changes)
    return type(instance)(**values)


def build(records: int):
    customer = Customer.objects.filter(code=CODE).first()
    quality = User.objects.filter(username="bench_quality").first()
    if customer is not None and quality is not None:
        return customer, quality
    rng = random.Random(7)
    with transaction.atomic():
        root = OrgUnit.objects.filter(parent__isnull=True).first() or unit_create(
            name="集团", code="bench-group", kind=UnitKind.GROUP
        )
        unit = unit_create(name="售后部", code="bench-as", kind=UnitKind.DEPARTMENT, parent=root)
        agent = User.objects.create_user(username="bench_agent", password="x", role=Role.AGENT, unit=unit)
        quality = User.objects.create_user(username="bench_quality", password="x", role=Role.QUALITY, unit=unit)
        customer = customer_create(
            name="王建国", phone="13812345678", code=CODE, address="杭州市西湖区文三路 1 号", actor=agent
        )
        case, _ = case_register(
            actor=agent,
            customer=customer,
            case_type="complaint",
            channel="phone",
            title="维修人员态度恶劣",
            description="客户反映上门维修人员态度差。",
            category="attitude",
        )
        order, _ = workorder_create(actor=agent, kind="repair", customer=customer, description="空调不制冷", unit=unit)
        now = timezone.now()

        def when():
            return now - timedelta(seconds=rng.randrange(5 * 365 * 86400))

        n_cases, n_orders = int(records * 0.6), int(records * 0.25)
        n_visits = records - n_cases - n_orders
        Case._meta.get_field("received_at").auto_now_add = False
        cases = [
            _clone(case, number=f"KFB{i:07d}", received_at=when(), is_anonymous=(i % 20 == 0))
            for i in range(n_cases - 1)
        ]
        Case.objects.bulk_create(cases, batch_size=1000)
        orders = [_clone(order, number=f"WOB{i:07d}", reported_at=when()) for i in range(n_orders - 1)]
        WorkOrder.objects.bulk_create(orders, batch_size=1000)
        tasks = VisitTask.objects.bulk_create(
            [
                VisitTask(
                    customer=customer, purpose="usage", visitor=agent, unit=unit, due_date=now.date(), status="done"
                )
                for _ in range(n_visits)
            ],
            batch_size=1000,
        )
        VisitRecord._meta.get_field("written_at").auto_now_add = False
        VisitRecord.objects.bulk_create(
            [VisitRecord(task=t, visitor=agent, visited_on=now.date(), written_at=when(), answers={}) for t in tasks],
            batch_size=1000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return customer, quality


def raw(customer_id: int, before: Cursor | None, n: int) -> list[tuple]:
    params = {
        "c": customer_id,
        "first": before is None,
        "at": before.when if before else timezone.now(),
        "src": before.source if before else "",
        "id": before.key if before else 0,
        "n": n,
    }
    with connection.cursor() as cursor:
        cursor.execute(RAW, params)
        return cursor.fetchall()


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--deep", type=int, default=9_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "run on PostgreSQL (DATABASE_URL)"
    started = time.perf_counter()
    customer, quality = build(args.records)
    total = (
        Case.objects.filter(customer=customer).count()
        + WorkOrder.objects.filter(customer=customer).count()
        + VisitRecord.objects.filter(task__customer=customer).count()
    )
    print(f"customer {customer.code}: {total} records (built/reused in {time.perf_counter() - started:.1f} s)")
    deep_row = raw(customer.pk, None, args.deep + 1)[-1]
    deep = Cursor(when=deep_row[0], source=deep_row[1], key=deep_row[2])
    ev = CaseEvent.objects.filter(case__customer=customer).count()
    print(f"case events {ev}; deep cursor at position {args.deep}: {deep.when:%Y-%m-%d %H:%M} {deep.source}")
    for label, before in (("first page", None), (f"page after entry {args.deep}", deep)):
        ours = customer_timeline(customer, quality, before=before, limit=30).entries
        floor = raw(customer.pk, before, 30)
        assert [(e.when, e.source, e.key) for e in ours] == [tuple(r) for r in floor], label
        t_ours = median_ms(lambda b=before: customer_timeline(customer, quality, before=b, limit=30), args.repeat)
        t_raw = median_ms(lambda b=before: raw(customer.pk, b, 31), args.repeat)
        print(
            f"{label:>24}: ours {t_ours:7.2f} ms   raw UNION {t_raw:7.2f} ms   ratio {t_ours / t_raw:5.2f}x"
            f"   (median of {args.repeat})"
        )
    one, five, fifteen = os.getloadavg()
    print(f"load average: {one:.2f} {five:.2f} {fifteen:.2f} (machine shared with other work)")


if __name__ == "__main__":
    main()
