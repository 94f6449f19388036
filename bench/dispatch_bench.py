"""Dispatch suggestion time at scale: 2,000 technicians and 100,000 open work orders.

    # SQLite: an empty KEFU_VAR_DIR and `kefu setup` first; PostgreSQL: DATABASE_URL
    KEFU_VAR_DIR=/tmp/kefu-dispatch .venv/bin/kefu setup
    KEFU_VAR_DIR=/tmp/kefu-dispatch .venv/bin/python bench/dispatch_bench.py --technicians 2000 --orders 100000

Fills (once; reruns reuse the data) a city with 40 teams of 50 technicians, each with two skills and
two service districts, and 100,000 open orders spread over them (bulk insert). Then, for --repeat
orders of different teams and districts, times `kefu.workorders.selectors.suggestion_queryset(order)[:10]`
(the one annotated query: area, skill, open load, on shift) against a raw-SQL baseline: the same SQL
text, compiled once from the queryset, executed through the DB-API cursor without the ORM. Prints
p50/p95/max of both, the ratio, and the load average. Asserts nothing; docs/benchmarks.md records runs.
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

from kefu.customers.services import customer_create  # noqa: E402
from kefu.org.choices import Role, UnitKind  # noqa: E402
from kefu.org.models import OrgUnit, User  # noqa: E402
from kefu.org.services import unit_create  # noqa: E402
from kefu.rulebooks.selectors import rulebook_for_new_case  # noqa: E402
from kefu.workorders.choices import OrderKind, OrderStatus  # noqa: E402
from kefu.workorders.models import ServiceArea, TechnicianSkill, WorkOrder  # noqa: E402
from kefu.workorders.selectors import suggestion_queryset  # noqa: E402

DISTRICTS = [f"第{i}区" for i in range(1, 41)]
KINDS = list(OrderKind.values)
OPEN = [OrderStatus.DISPATCHED, OrderStatus.ACCEPTED, OrderStatus.BOOKED, OrderStatus.ON_THE_WAY]


def fill(technicians: int, orders: int, rng: random.Random) -> OrgUnit:
    city = OrgUnit.objects.filter(code="bench-city").first()
    if city is None:
        with transaction.atomic():
            city = unit_create(name="基准市公司", code="bench-city", kind=UnitKind.CITY)
    teams = list(OrgUnit.objects.filter(parent=city).order_by("id"))
    while len(teams) < 40:
        teams.append(
            unit_create(
                name=f"维修{len(teams) + 1}班", code=f"bench-team-{len(teams) + 1}", kind=UnitKind.TEAM, parent=city
            )
        )
    have = User.objects.filter(role=Role.TECHNICIAN, unit__parent=city).count()
    if have < technicians:
        people = [
            User(username=f"bench-tech-{i}", role=Role.TECHNICIAN, unit=teams[i % len(teams)], display_name=f"师傅{i}")
            for i in range(have, technicians)
        ]
        User.objects.bulk_create(people, batch_size=1000)
        fresh = list(User.objects.filter(username__startswith="bench-tech-", service_areas__isnull=True))
        TechnicianSkill.objects.bulk_create(
            [TechnicianSkill(technician=p, kind=k) for p in fresh for k in rng.sample(KINDS, 2)], batch_size=2000
        )
        ServiceArea.objects.bulk_create(
            [ServiceArea(technician=p, district=d) for p in fresh for d in rng.sample(DISTRICTS, 2)], batch_size=2000
        )
    techs = list(User.objects.filter(role=Role.TECHNICIAN, unit__parent=city).values_list("pk", "unit_id"))
    existing = WorkOrder.objects.filter(unit__parent=city).count()
    if existing < orders:
        customer = customer_create(name="基准客户", phone="13900000000", address="基准路 1 号")
        version = rulebook_for_new_case()
        boss = User.objects.filter(is_superuser=True).first() or User.objects.create_user(
            username="bench-admin", role=Role.ADMINISTRATOR, is_superuser=True
        )
        now = timezone.now()
        batch = []
        for n in range(existing, orders):
            pk, unit_id = rng.choice(techs)
            batch.append(
                WorkOrder(
                    number=f"WB{n:08d}",
                    kind=rng.choice(KINDS),
                    status=rng.choice(OPEN),
                    service_type="A",
                    customer=customer,
                    address="基准路 1 号",
                    district=rng.choice(DISTRICTS),
                    region="urban",
                    rulebook_version=version,
                    description="基准",
                    unit_id=unit_id,
                    technician_id=pk,
                    created_by=boss,
                    reported_at=now,
                    arrival_due_at=now + timedelta(hours=6),
                )
            )
            if len(batch) == 5000:
                WorkOrder.objects.bulk_create(batch)
                batch = []
        WorkOrder.objects.bulk_create(batch)
    return city


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technicians", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    city = fill(args.technicians, args.orders, rng)
    print(
        f"data ready in {time.perf_counter() - started:.1f} s on {connection.vendor}: "
        f"{User.objects.filter(role=Role.TECHNICIAN, unit__parent=city).count()} technicians, "
        f"{WorkOrder.objects.filter(unit__parent=city).count()} open orders"
    )
    probes = list(WorkOrder.objects.filter(unit__parent=city).order_by("?")[: args.repeat])
    # The dispatcher ranks the whole city's technicians (an order waiting at city level).
    for order in probes:
        order.unit = city
    orm, raw = [], []
    for order in probes:
        t = time.perf_counter()
        ranked = list(suggestion_queryset(order)[:10])
        orm.append((time.perf_counter() - t) * 1000)
        sql, params = suggestion_queryset(order)[:10].query.sql_with_params()
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        raw.append((time.perf_counter() - t) * 1000)
        assert len(rows) == len(ranked)
    p50o, p50r = statistics.median(orm), statistics.median(raw)
    print(f"suggestion (ORM, incl. subtree ids) p50 {p50o:.1f} ms  p95 {pct(orm, 0.95):.1f} ms  max {max(orm):.1f} ms")
    print(f"raw SQL baseline (same query)       p50 {p50r:.1f} ms  p95 {pct(raw, 0.95):.1f} ms  max {max(raw):.1f} ms")
    print(f"ratio ORM / raw (p50) {p50o / p50r:.2f}")
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
