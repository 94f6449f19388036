#!/usr/bin/env python3
"""One deadline sweep over N open cases with one running clock each, 1% of them due (PostgreSQL).

Builds its data once and reuses it: run it again and only the clocks are re-armed.

* Cases: if the database already holds N open cases (e.g. from `kefu demo --size N`) they are used;
  otherwise minimal complaint cases are added with one INSERT … SELECT generate_series, copied from
  one case registered through the real service (same rulebook, customer, staff and unit).
* Clocks: one running clock per open case (key `bench_sweep`, office calendar, 'complaint' ladder
  where the case's rulebook has it). Every 100th is due: its deadline passed 10 minutes ago, so the
  sweep owes it the overdue notice (催办单) to owner and handler; the rest are due 1–30 days later.

Prints the clocks due, notices fired, notifications, the wall time of the selection of the first
batch and of the whole sweep (with the time spent in each kind of SQL statement and in the commits,
where PostgreSQL runs the deferred foreign-key checks of the new rows), and the EXPLAIN (ANALYZE) of
the due-clock query.

    createdb -h 127.0.0.1 -U postgres kefu_sweep_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_sweep_bench .venv/bin/kefu setup
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_sweep_bench .venv/bin/python bench/sla_sweep.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# bench/ holds a queue.py that would shadow the standard library's `queue`: put the project root first
# and drop the script's own directory from the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

KEY = "bench_sweep"


def log(message: str) -> None:
    print(message, flush=True)


def open_cases() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE status IN ('open', 'suspended')")
        return cur.fetchone()[0]


def add_cases(missing: int) -> None:
    """Register one complaint through the service, then copy it `missing` times in SQL."""
    from kefu.cases.models import Case
    from kefu.cases.services import case_register
    from kefu.customers.services import customer_create
    from kefu.org.choices import Role, UnitKind
    from kefu.org.models import OrgUnit, User
    from kefu.org.services import unit_create

    unit = OrgUnit.objects.filter(code="bench-cs").first() or unit_create(
        name="压测客服部", code="bench-cs", kind=UnitKind.DEPARTMENT
    )
    people = {}
    for name, role in (("bench_agent", Role.AGENT), ("bench_handler", Role.HANDLER), ("bench_super", Role.SUPERVISOR)):
        people[name] = User.objects.filter(username=name).first() or User.objects.create_user(
            username=name, role=role, unit=unit, email=f"{name}@example.com"
        )
    template = Case.objects.filter(receiver=people["bench_agent"]).first()
    if template is None:
        customer = customer_create(name="压测客户", phone="138 0000 0000")
        template, _ = case_register(
            actor=people["bench_agent"],
            case_type="complaint",
            customer=customer,
            channel="phone",
            title="压测工单",
            description="SLA 扫描压测。",
            category="attitude",
        )
    with connection.cursor() as cur:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'cases_case'")
        columns = [c for (c,) in cur.fetchall() if c not in ("id", "number", "assignee_id")]
        # Continue the SB numbers of an earlier, smaller run.
        cur.execute("SELECT coalesce(max(substr(number, 3)::bigint), 0) FROM cases_case WHERE number ~ '^SB[0-9]+$'")
        offset = cur.fetchone()[0]
        started = time.perf_counter()
        step = 200_000
        for first in range(0, missing, step):
            count = min(step, missing - first)
            cols = ", ".join(f'"{c}"' for c in columns)
            cur.execute(
                f"""INSERT INTO cases_case (number, assignee_id, {cols})
                    SELECT 'SB' || lpad((%s + g)::text, 8, '0'), %s, {cols}
                    FROM cases_case, generate_series(1, %s) AS g WHERE cases_case.id = %s""",
                [offset + first, people["bench_handler"].pk, count, template.pk],
            )
            log(f"  cases: {first + count:,} / {missing:,}  ({time.perf_counter() - started:.0f} s)")


def arm_clocks(due_every: int) -> None:
    """One running clock per open case; every `due_every`-th due now, the rest later."""
    from kefu.calendars.models import WorkCalendar

    calendar = WorkCalendar.objects.get(key="office")
    now = timezone.now()
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            "DELETE FROM sla_notification WHERE notice_id IN (SELECT n.id FROM sla_clocknotice n "
            "JOIN sla_clock c ON c.id = n.clock_id WHERE c.key = %s)",
            [KEY],
        )
        cur.execute("DELETE FROM sla_clocknotice WHERE clock_id IN (SELECT id FROM sla_clock WHERE key = %s)", [KEY])
        cur.execute(
            """INSERT INTO sla_clock (case_id, key, label, calendar_id, amount, unit, rule, working_measure,
                   allowed_minutes, used_minutes, extended_minutes, status, started_at, warned,
                   escalation_level, ladder, resolution, used_extra_seconds, awaiting_promise, escalate_from_start)
               SELECT c.id, %s, '满意答复', %s, 2, 'working_days', 'bench', true, 960, 0, 0, 'running',
                      c.received_at, true, 0,
                      CASE WHEN v.document -> 'escalation_ladders' ? 'complaint' THEN 'complaint' ELSE '' END, false,
                      0, false, false
               FROM cases_case c JOIN rulebooks_rulebookversion v ON v.id = c.rulebook_version_id
               WHERE c.status IN ('open', 'suspended')
                 AND NOT EXISTS (SELECT 1 FROM sla_clock k WHERE k.case_id = c.id AND k.key = %s)""",
            [KEY, calendar.pk, KEY],
        )
        added = cur.rowcount
        # A later run re-arms only what the last sweep touched or what is about to come due, not
        # all million rows (which takes minutes and bloats the table).
        if added:
            scope, scope_params = "true", []
        else:
            scope = "(id %% %s = 0 OR next_check_at IS NULL OR next_check_at <= %s + interval '2 days')"
            scope_params = [due_every, now]
        # Re-arm every bench clock: 1 in `due_every` owes its overdue notice now, the rest are due
        # 1–30 days from now (their next_check_at is their warning time).
        cur.execute(
            f"""UPDATE sla_clock SET status = 'running', escalation_level = 0, warned = true,
                   deadline = CASE WHEN id %% %s = 0 THEN %s - interval '10 minutes'
                                   ELSE %s + (1 + id %% 30) * interval '1 day' END,
                   warn_at = CASE WHEN id %% %s = 0 THEN %s - interval '2 hours'
                                  ELSE %s + (1 + id %% 30) * interval '1 day' - interval '2 hours' END
               WHERE key = %s AND {scope}""",
            [due_every, now, now, due_every, now, now, KEY, *scope_params],
        )
        cur.execute(
            f"""UPDATE sla_clock SET next_check_at = CASE WHEN id %% %s = 0 THEN deadline ELSE warn_at END,
                   warned = (id %% %s = 0) WHERE key = %s AND {scope}""",
            [due_every, due_every, KEY, *scope_params],
        )
    log(f"  clocks: {added:,} added, all re-armed in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE sla_clock")
        cur.execute("VACUUM ANALYZE sla_clocknotice")
        cur.execute("VACUUM ANALYZE sla_notification")


def explain(now) -> str:
    from kefu.sla.sweep import due_clocks

    with transaction.atomic(), connection.cursor() as cur:
        sql, params = due_clocks(now=now, batch=1000).query.sql_with_params()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
        transaction.set_rollback(True)  # EXPLAIN ANALYZE really took the row locks
    return plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="open cases (default 1,000,000)")
    parser.add_argument("--due-every", type=int, default=100, help="1 clock in N is due (default 100 = 1%%)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="sweep connections side by side (default 1)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("set DATABASE_URL to a PostgreSQL database (see the docstring)", file=sys.stderr)
        return 2

    log(f"== data: {args.size:,} open cases, one running clock each, 1 in {args.due_every} due")
    have = open_cases()
    if have < args.size:
        log(f"  {have:,} open cases; adding {args.size - have:,}")
        add_cases(args.size - have)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE cases_case")
    arm_clocks(args.due_every)

    from kefu.sla import sweep as sweep_module
    from kefu.sla.models import Clock

    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE status IN ('open', 'suspended')")
        cases = cur.fetchone()[0]
    running = Clock.objects.filter(status="running").count()
    due = Clock.objects.filter(status="running", next_check_at__lte=now).count()
    log(f"  open cases {cases:,}; running clocks {running:,}; due now {due:,}")

    log("\n== EXPLAIN ANALYZE of the due-clock query (first batch)")
    log(explain(now))

    # The selection alone: lock and read the first batch (plain rows), as the sweep does, then roll back.
    timings = []
    for _ in range(5):
        with transaction.atomic():
            started = time.perf_counter()
            rows = list(sweep_module.due_clocks(now=now, batch=args.batch))
            timings.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    log(
        f"\n== selection of one batch ({len(rows)} clocks, locked): best {min(timings) * 1000:.1f} ms, "
        f"median {sorted(timings)[2] * 1000:.1f} ms"
    )

    # The e-mail task is queued on commit; here we only count the calls (no broker needed).
    queued: list[list[int]] = []
    sweep_module._queue_email = lambda ids: queued.append(ids)
    statements: dict[str, list] = {}

    def timed(execute, sql, params, many, context):
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = statements.setdefault(" ".join(sql.split()[:3])[:40], [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - begun

    # Commits do not pass through execute wrappers: time them on the connection itself.
    db = connections[DEFAULT_DB_ALIAS]
    commit = db.commit

    def timed_commit():
        begun = time.perf_counter()
        try:
            return commit()
        finally:
            entry = statements.setdefault("COMMIT", [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - begun

    db.commit = timed_commit
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        result = sweep_module.sla_sweep(now=now, batch=args.batch, workers=args.workers)
    wall = time.perf_counter() - started
    del db.commit
    log(f"\n== one full sweep, {args.workers} worker(s), load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    log(f"  clocks due       {result.clocks:,}")
    log(f"  notices fired    {result.notices:,}")
    log(f"  notifications    {result.notifications:,}")
    log(f"  batches          {result.batches}   e-mail tasks queued {len(queued)}   errors {result.errors}")
    log(f"  wall time        {wall:.2f} s  ({result.clocks / wall:,.0f} clocks/s)")
    for text, (count, seconds) in sorted(statements.items(), key=lambda kv: -kv[1][1])[:5]:
        log(f"    {seconds:6.2f} s in {count:3d} × {text}")
    in_sql = sum(seconds for _, seconds in statements.values())
    log(f"    {wall - in_sql:6.2f} s in the rest (Python, the smaller queries)")
    started = time.perf_counter()
    again = sweep_module.sla_sweep(now=now, batch=args.batch)
    log(f"  second sweep     {again.clocks} clocks, {(time.perf_counter() - started) * 1000:.1f} ms (nothing left)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
