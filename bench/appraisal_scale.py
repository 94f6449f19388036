#!/usr/bin/env python3
"""Appraisal at scale on PostgreSQL (issue 10): the monthly complaint report and the GM dashboard at
N cases, each against the raw SQL aggregate over the same rows.

Data are made in SQL, not the ORM: one case registered through the real service is the template,
copied N times with `INSERT … SELECT … FROM generate_series` (24 months, 20 units, 2 % still open),
and one clock each (90 % met, 8 % missed, 2 % running of which half overdue). Then the rollup's first
(full) refresh, as the beat task does it once, and the same for the monthly statistics rollup
(kefu.reports), with the cost of recounting one month (what the 10-minute beat task pays per changed
month).

Measured (median of --repeat after one warm-up), in milliseconds:

* the scheduled monthly complaint report (篇9, `monthly_statistics`: figures per unit of last month
  + 12-month trend, from the rollup) including its PDF and Excel — vs the raw SQL aggregate of the
  same figures over the cases and clocks;
* the monthly report page (`/reports/monthly/`, kefu.reports) as the GM, read from the statistics
  rollup (less what the GM may not see) — vs the same raw SQL;
* the GM dashboard page (`/appraisal/`, 12-month trend and breaches by unit from the rollup, ranking)
  — vs the raw SQL aggregate of the same figures over the cases and clocks.

    psql postgres://postgres@127.0.0.1:5432/postgres -c "CREATE DATABASE kefu_ap10bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_ap10bench .venv/bin/kefu setup
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_ap10bench .venv/bin/python bench/appraisal_scale.py --size 1000000
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from kefu.cases.models import Case  # noqa: E402
from kefu.org.choices import Role, UnitKind  # noqa: E402
from kefu.org.models import OrgUnit, User  # noqa: E402
from kefu.sla.models import Clock  # noqa: E402

UNITS = 20


def _people() -> tuple[User, User, OrgUnit, list[OrgUnit]]:
    from kefu.org.services import unit_create

    root = OrgUnit.objects.filter(code="bench").first() or unit_create(
        name="基准集团", code="bench", kind=UnitKind.GROUP
    )
    units = list(OrgUnit.objects.filter(parent=root).order_by("pk"))
    for i in range(len(units), UNITS):
        units.append(unit_create(name=f"客服{i + 1}部", code=f"bench-{i}", kind=UnitKind.DEPARTMENT, parent=root))
    agent = User.objects.filter(username="bench-agent").first() or User.objects.create_user(
        username="bench-agent", password="x", role=Role.AGENT, unit=units[0]
    )
    gm = User.objects.filter(username="bench-gm").first() or User.objects.create_user(
        username="bench-gm", password="x", role=Role.GENERAL_MANAGER, unit=root
    )
    return agent, gm, root, units


def _columns(model, overrides: dict[str, str], alias: str) -> tuple[str, str]:
    cols, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        cols.append(f'"{field.column}"')
        exprs.append(overrides.get(field.column, f'{alias}."{field.column}"'))
    # The expressions use % (modulo); the statement has %s parameters: double them.
    return ", ".join(cols), ", ".join(exprs).replace("%", "%%")


def build(size: int) -> float:
    """N cases and N clocks in SQL. Returns seconds."""
    from kefu.cases.services import case_register
    from kefu.customers.services import customer_create

    have = Case.objects.filter(number__startswith="S").count()
    if have >= size:
        print(f"data: {have} cases already there")
        return 0.0
    agent, _gm, _root, units = _people()
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
    unit_ids = "ARRAY[" + ",".join(str(u.pk) for u in units) + "]"
    received = "(now() - make_interval(days => (g * 7) % 720, mins => g % 1440))"
    case_cols, case_exprs = _columns(
        Case,
        {
            "number": "'S' || lpad(g::text, 10, '0')",
            "received_at": received,
            "created_at": received,
            "updated_at": received,
            "receiving_unit_id": f"({unit_ids})[(g % {UNITS}) + 1]",
            "responsible_unit_id": "NULL",
            "status": "CASE WHEN g % 50 = 0 THEN 'open' ELSE 'closed' END",
            "closed_at": f"CASE WHEN g % 50 = 0 THEN NULL ELSE {received} + interval '2 days' END",
        },
        "t",
    )
    deadline = "(c.received_at + interval '3 days')"
    clock_cols, clock_exprs = _columns(
        Clock,
        {
            "case_id": "c.id",
            "status": "CASE WHEN c.id % 100 < 90 THEN 'met' WHEN c.id % 100 < 98 THEN 'missed' ELSE 'running' END",
            "started_at": "c.received_at",
            "deadline": f"CASE WHEN c.id % 100 = 99 THEN now() - interval '1 hour' ELSE {deadline} END",
            "stopped_at": f"CASE WHEN c.id % 100 < 90 THEN {deadline} - interval '1 hour' "
            f"WHEN c.id % 100 < 98 THEN {deadline} + interval '5 hours' ELSE NULL END",
        },
        "t",
    )
    t0 = time.perf_counter()
    step = 1_000_000
    with connection.cursor() as cur:
        for lo in range(have + 1, size + 1, step):
            hi = min(size, lo + step - 1)
            cur.execute(
                f"INSERT INTO {Case._meta.db_table} ({case_cols}) SELECT {case_exprs} "  # noqa: S608 (our own SQL)
                f"FROM generate_series({lo}, {hi}) g, {Case._meta.db_table} t WHERE t.id = %s",
                [template.pk],
            )
            cur.execute(
                f"INSERT INTO {Clock._meta.db_table} ({clock_cols}) SELECT {clock_exprs} "  # noqa: S608
                f"FROM {Case._meta.db_table} c, {Clock._meta.db_table} t "
                f"WHERE t.id = %s AND c.number >= %s AND c.number <= %s",
                [clock.pk, "S" + str(lo).zfill(10), "S" + str(hi).zfill(10)],
            )
            print(f"  {hi} cases and clocks ({time.perf_counter() - t0:.0f} s)", flush=True)
        cur.execute(f"ANALYZE {Case._meta.db_table}")
        cur.execute(f"ANALYZE {Clock._meta.db_table}")
    return time.perf_counter() - t0


RAW_STATISTICS = f"""
SELECT coalesce(c.responsible_unit_id, c.receiving_unit_id) AS unit,
       count(*) AS received, count(c.closed_at) AS closed,
       count(k.id) FILTER (WHERE k.status IN ('met', 'missed')) AS clocks,
       count(k.id) FILTER (WHERE k.status = 'met') AS met,
       count(k.id) FILTER (WHERE k.status = 'missed' OR (k.status = 'running' AND k.deadline < now())) AS breaches
FROM {Case._meta.db_table} c LEFT JOIN {Clock._meta.db_table} k ON k.case_id = c.id
WHERE c.received_at >= %s AND c.received_at < %s
GROUP BY 1
"""

RAW_TREND = f"""
SELECT date_trunc('month', c.received_at AT TIME ZONE %s) AS month, count(DISTINCT c.id) AS received,
       count(k.id) FILTER (WHERE k.status IN ('met', 'missed')) AS clocks,
       count(k.id) FILTER (WHERE k.status = 'met') AS met,
       count(k.id) FILTER (WHERE k.status = 'missed' OR (k.status = 'running' AND k.deadline < now())) AS breaches
FROM {Case._meta.db_table} c LEFT JOIN {Clock._meta.db_table} k ON k.case_id = c.id
WHERE c.received_at >= %s
GROUP BY 1
"""

RAW_BREACHES = f"""
SELECT coalesce(c.responsible_unit_id, c.receiving_unit_id) AS unit,
       count(k.id) FILTER (WHERE k.status = 'missed' OR (k.status = 'running' AND k.deadline < now())) AS breaches,
       count(k.id) FILTER (WHERE k.status IN ('met', 'missed')) AS clocks
FROM {Case._meta.db_table} c JOIN {Clock._meta.db_table} k ON k.case_id = c.id
WHERE c.received_at >= %s
GROUP BY 1 ORDER BY 2 DESC LIMIT 15
"""


def _ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _i in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _sql(query: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(query, params)
        cur.fetchall()


def main() -> None:
    from django.conf import settings

    from kefu.appraisal.documents import report_pdf, report_xlsx
    from kefu.appraisal.models import StoredReport
    from kefu.appraisal.schedule import owed
    from kefu.appraisal.services.reports import report_data
    from kefu.appraisal.services.rollups import rollup_refresh
    from kefu.appraisal.services.rules import appraisal_rules

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--raw-repeat",
        type=int,
        default=0,
        help="runs of each raw SQL side (default: --repeat; at 10M each takes minutes)",
    )
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "this benchmark is for PostgreSQL"
    print(f"load average before: {os.getloadavg()}")
    built = build(args.size)
    print(f"data: {args.size} cases + clocks made in SQL in {built:.0f} s")
    t0 = time.perf_counter()
    rollup_refresh(full=True)
    print(f"rollup: first (full) refresh {time.perf_counter() - t0:.1f} s")

    _agent, gm, root, _units = _people()
    from kefu.reports.counting import Month
    from kefu.reports.rollup import reports_refresh, reports_refresh_month

    t0 = time.perf_counter()
    first = reports_refresh(full=True)
    print(
        f"statistics rollup: first (full) refresh {time.perf_counter() - t0:.1f} s "
        f"({len(first.months)} months, {first.written} rows)"
    )
    last_month = Month.last()
    t0 = time.perf_counter()
    reports_refresh_month(month=last_month)
    print(f"statistics rollup: recounting one month ({last_month}, nothing changed) {time.perf_counter() - t0:.2f} s")
    version, section = appraisal_rules()
    defn = next(r for r in section.reports if r.code == "monthly_statistics")
    due = owed(defn, timezone.localdate())
    lo = timezone.make_aware(timezone.datetime.combine(due.start, timezone.datetime.min.time()))
    hi = timezone.make_aware(timezone.datetime.combine(due.end + timedelta(days=1), timezone.datetime.min.time()))
    year_ago = timezone.make_aware(
        timezone.datetime.combine(
            (due.end.replace(day=1) - timedelta(days=330)).replace(day=1), timezone.datetime.min.time()
        )
    )

    def scheduled_report() -> None:
        data = report_data(unit=root, start=due.start, end=due.end, contents=list(defn.contents))
        report = StoredReport(
            code=defn.code,
            label=defn.label,
            period_kind=defn.period,
            period_start=due.start,
            period_end=due.end,
            unit=root,
            rulebook_version=version,
            data=data,
        )
        report_pdf(report)
        report_xlsx(report)

    def raw_report() -> None:
        _sql(RAW_STATISTICS, [lo, hi])
        _sql(RAW_TREND, [settings.TIME_ZONE, year_ago])

    client = Client()
    client.force_login(gm)
    month = f"{due.start:%Y-%m}"

    def monthly_page() -> None:
        response = client.get("/reports/monthly/", {"month": month})
        assert response.status_code == 200 and b'data-freshness="rollup"' in response.content

    def dashboard_page() -> None:
        assert client.get("/appraisal/").status_code == 200

    three_months = timezone.make_aware(
        timezone.datetime.combine(
            (timezone.localdate().replace(day=1) - timedelta(days=62)).replace(day=1), timezone.datetime.min.time()
        )
    )

    def raw_dashboard() -> None:
        _sql(RAW_TREND, [settings.TIME_ZONE, year_ago])
        _sql(RAW_BREACHES, [three_months])

    rows = [
        ("scheduled monthly statistics report (rollup, + PDF + Excel)", _ms(scheduled_report, args.repeat), raw_report),
        ("monthly report page /reports/monthly/ (GM, statistics rollup)", _ms(monthly_page, args.repeat), raw_report),
        ("GM dashboard page /appraisal/ (rollup)", _ms(dashboard_page, args.repeat), raw_dashboard),
    ]
    raw_runs = args.raw_repeat or args.repeat
    print(f"\n{args.size:,} cases; median of {args.repeat} (raw SQL: {raw_runs}); load average {os.getloadavg()}")
    print(f"{'measure':<62} {'Kefu ms':>10} {'raw SQL ms':>11} {'ratio':>7}")
    for label, ours, raw in rows:
        theirs = _ms(raw, args.raw_repeat or args.repeat)
        print(f"{label:<62} {ours:>10.1f} {theirs:>11.1f} {ours / theirs:>7.3f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
