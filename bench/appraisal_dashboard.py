#!/usr/bin/env python3
"""The appraisal dashboards: read from the monthly rollup against the same figures counted from the
cases and clocks, over N cases spread across 24 months and 20 units (one clock each: 90 % met, 8 %
missed, 2 % running of which half overdue).

Builds its data once (minimal cases copied in bulk from one case registered through the real service,
the same way bench/sla_sweep.py does) and reuses it when the database already holds N cases.

Prints, in milliseconds (median of --repeat), the GM dashboard's figures (12-month on-time trend and
breaches by unit) from the rollup and from the cases, their ratio, the rollup's full refresh and an
incremental refresh after 10 cases changed, and os.getloadavg().

    DATABASE_URL=sqlite:////tmp/kefu-bench.sqlite3 .venv/bin/kefu setup
    DATABASE_URL=sqlite:////tmp/kefu-bench.sqlite3 .venv/bin/python bench/appraisal_dashboard.py --size 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_ap10 ... --size 1000000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.db.models.functions import Coalesce, TruncMonth  # noqa: E402
from django.utils import timezone  # noqa: E402

from kefu.appraisal.selectors import _breaches_by_unit, _months_back, _trend  # noqa: E402
from kefu.appraisal.services.rollups import rollup_refresh  # noqa: E402
from kefu.cases.models import Case  # noqa: E402
from kefu.org.choices import Role, UnitKind  # noqa: E402
from kefu.org.models import OrgUnit, User  # noqa: E402
from kefu.sla.choices import ClockStatus  # noqa: E402
from kefu.sla.models import Clock  # noqa: E402


def _setup_people() -> tuple[User, list[OrgUnit]]:
    from kefu.org.services import unit_create

    root = OrgUnit.objects.filter(code="bench").first() or unit_create(
        name="基准集团", code="bench", kind=UnitKind.GROUP
    )
    units = list(OrgUnit.objects.filter(parent=root).order_by("pk"))
    for i in range(len(units), 20):
        units.append(unit_create(name=f"客服{i + 1}部", code=f"bench-{i}", kind=UnitKind.DEPARTMENT, parent=root))
    agent = User.objects.filter(username="bench-agent").first() or User.objects.create_user(
        username="bench-agent", password="x", role=Role.AGENT, unit=units[0]
    )
    return agent, units


def build(size: int) -> None:
    from kefu.cases.services import case_register
    from kefu.customers.services import customer_create

    have = Case.objects.count()
    if have >= size:
        print(f"data: {have} cases already there")
        return
    agent, units = _setup_people()
    customer = customer_create(name="王建国", phone="138 1234 5678", actor=agent)
    template, _ = case_register(
        actor=agent,
        case_type="complaint",
        customer=customer,
        channel="phone",
        category="attitude",
        title="基准投诉",
        description="基准数据",
    )
    clock = Clock.objects.filter(case=template).order_by("pk").first()
    now = timezone.now()
    t0 = time.perf_counter()
    chunk = 5000
    made = have
    while made < size:
        n = min(chunk, size - made)
        cases = []
        for i in range(made, made + n):
            received = now - timedelta(days=(i * 7) % 720, minutes=i % 1440)
            cases.append(
                Case(
                    number=f"BENCH{i:09d}",
                    rulebook_version_id=template.rulebook_version_id,
                    case_type="complaint",
                    category="attitude",
                    severity=template.severity,
                    channel="phone",
                    stage=template.stage,
                    status="closed" if i % 50 else "open",
                    customer=customer,
                    title="基准投诉",
                    description="基准数据",
                    received_at=received,
                    receiver=agent,
                    receiving_unit=units[i % 20],
                    owner=agent,
                    closed_at=received + timedelta(days=2) if i % 50 else None,
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(cases, batch_size=1000)
            clocks = []
            for i, case in enumerate(cases, start=made):
                deadline = case.received_at + timedelta(days=3)
                kind = i % 100
                status = ClockStatus.MET if kind < 90 else ClockStatus.MISSED if kind < 98 else ClockStatus.RUNNING
                clocks.append(
                    Clock(
                        case=case,
                        key="bench",
                        label="基准",
                        calendar_id=clock.calendar_id,
                        amount=3,
                        unit="days",
                        status=status,
                        started_at=case.received_at,
                        deadline=deadline if kind != 99 else now - timedelta(hours=1),
                        stopped_at=None
                        if status == ClockStatus.RUNNING
                        else deadline + timedelta(hours=-1 if kind < 90 else 5),
                    )
                )
            Clock.objects.bulk_create(clocks, batch_size=1000)
        made += n
        print(f"  {made} cases ({time.perf_counter() - t0:.0f} s)", flush=True)


def from_cases() -> tuple[list, list]:
    """The same figures without the rollup: aggregates over the cases and clocks of 12 months."""
    first = _months_back(12)[0]
    start = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
    now = timezone.now()
    trend = list(
        Clock.objects.filter(case__received_at__gte=start)
        .annotate(m=TruncMonth("case__received_at"))
        .values("m")
        .annotate(
            clocks=Count("pk", filter=Q(status__in=[ClockStatus.MET, ClockStatus.MISSED])),
            met=Count("pk", filter=Q(status=ClockStatus.MET)),
            breaches=Count("pk", filter=Q(status=ClockStatus.MISSED) | Q(status=ClockStatus.RUNNING, deadline__lt=now)),
        )
        .order_by("m")
    )
    three = _months_back(3)[0]
    start3 = timezone.make_aware(timezone.datetime.combine(three, timezone.datetime.min.time()))
    units = list(
        Clock.objects.filter(case__received_at__gte=start3)
        .values(u=Coalesce(F("case__responsible_unit"), F("case__receiving_unit")))
        .annotate(
            breaches=Count("pk", filter=Q(status=ClockStatus.MISSED) | Q(status=ClockStatus.RUNNING, deadline__lt=now))
        )
        .order_by("-breaches")[:15]
    )
    received = (
        Case.objects.filter(received_at__gte=start)
        .annotate(m=TruncMonth("received_at"))
        .values("m")
        .annotate(n=Count("pk"))
    )
    list(received)
    return trend, units


def from_rollup() -> tuple[list, list]:
    return _trend(None), _breaches_by_unit(None)


def timed(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    build(args.size)
    print(f"database: {connection.vendor}, {Case.objects.count()} cases, {Clock.objects.count()} clocks")
    t0 = time.perf_counter()
    rollup_refresh(full=True)
    full = (time.perf_counter() - t0) * 1000
    cases = timed(from_cases, args.repeat)
    rollup = timed(from_rollup, args.repeat)
    from kefu.cases.services import case_add_note

    agent = User.objects.get(username="bench-agent")
    for case in Case.objects.filter(number__startswith="BENCH").order_by("-pk")[:10]:
        case_add_note(case=case, actor=agent, body="客户来电催促", visibility="internal")
    t0 = time.perf_counter()
    months = rollup_refresh()
    incremental = (time.perf_counter() - t0) * 1000
    print(f"GM dashboard figures from the cases:  {cases:10.1f} ms (median of {args.repeat})")
    print(f"GM dashboard figures from the rollup: {rollup:10.1f} ms (median of {args.repeat})")
    print(f"ratio cases / rollup:                 {cases / rollup:10.1f} ×")
    print(f"rollup refresh, every month:          {full:10.1f} ms")
    print(f"rollup refresh, 10 cases changed:     {incremental:10.1f} ms ({len(months)} month(s) recounted)")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
