"""Plan generation for a million customers: `visit_plan_generate` against the database's own limit.

    KEFU_VAR_DIR=/tmp/kefu-visits-bench .venv/bin/kefu setup
    KEFU_VAR_DIR=/tmp/kefu-visits-bench .venv/bin/python bench/visit_plan_bench.py --customers 1000000 --days 92

Fills the customer table up to --customers (bulk insert; files opened on random days of the last five
years; 5% key accounts, 10% enterprises), loads the
service-complaint rulebook, then, in a fresh process (so its peak RSS is the generation's alone):

* ours: `visit_plan_generate(since=today, until=today + days)` — reads customers in batches, computes
  every cadence's due dates, bulk-inserts with ignore_conflicts; then the rerun (adds nothing);
* raw: one `INSERT INTO visits_visittask … SELECT … FROM visits_visittask` copying the rows just made
  (same count, same indexes and constraints, no date arithmetic), rolled back — the floor for writing
  that many rows.

Prints rows, seconds, rows/s, the ratio, peak RSS and os.getloadavg(). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
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

from kefu.customers.models import Customer  # noqa: E402
from kefu.rulebooks.services import PRESET_DIR, rulebook_load  # noqa: E402
from kefu.visits.plans import visit_plan_generate  # noqa: E402


def fill(target: int) -> None:
    # Files opened over five years: keep the given created_at (auto_now_add would make them all today).
    Customer._meta.get_field("created_at").auto_now_add = False
    have = Customer.objects.count()
    rng = random.Random(9)
    now = timezone.now()
    started = time.perf_counter()
    batch: list[Customer] = []
    for i in range(have, target):
        grade = "key" if rng.random() < 0.05 else rng.choice("ABCD")
        kind = "enterprise" if rng.random() < 0.10 else "individual"
        batch.append(
            Customer(
                code=f"B{i:08d}",
                name=f"客户{i}",
                grade=grade,
                customer_type=kind,
                created_at=now - timedelta(days=rng.randrange(5 * 365), seconds=rng.randrange(86400)),
                updated_at=now,
            )
        )
        if len(batch) == 20_000:
            with transaction.atomic():
                Customer.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Customer.objects.bulk_create(batch)
    print(f"customers: {Customer.objects.count():,} ({target - have:,} added in {time.perf_counter() - started:.1f} s)")
    # The preset carries the `visits` section (its plans are the cadences measured).
    rulebook_load(text=(PRESET_DIR / "service-complaint.yaml").read_text(encoding="utf-8"), source="service-complaint")


def generate(days: int, batch: int) -> None:
    today = timezone.localdate()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = visit_plan_generate(since=today, until=today + timedelta(days=days), batch_size=batch)
    ours = time.perf_counter() - started
    rows = sum(result.created.values())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    again = visit_plan_generate(since=today, until=today + timedelta(days=days), batch_size=batch)
    rerun = time.perf_counter() - started
    print(f"plan generation: {result.customers:,} customer reads over {len(result.created)} rules, {rows:,} tasks")
    for code, n in result.created.items():
        print(f"  {code}: {n:,}")
    print(
        f"  ours: {ours:.1f} s ({rows / ours:,.0f} tasks/s); rerun {rerun:.1f} s, added {sum(again.created.values())}"
    )
    print(f"  peak RSS {rss / 1024:.0f} MB (at start {rss0 / 1024:.0f} MB)")
    columns = (
        "created_at, updated_at, customer_id, case_id, purpose, method, visitor_id, unit_id, due_date, "
        "next_attempt_at, status, attempts, plan_rule, rulebook_version_id, questionnaire_code, on_site_signature, note, "
        "cancel_reason, work_order_number, "
        "overdue_notified_at, version"
    )
    select = columns.replace("plan_rule,", "'raw_' || plan_rule,")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO visits_visittask ({columns}) SELECT {select} FROM visits_visittask "
                    "WHERE plan_rule IN (%s)" % ", ".join("%s" for _ in result.created),
                    list(result.created),
                )
                raw_rows = cursor.rowcount
            raw = time.perf_counter() - started
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    print(f"  raw INSERT … SELECT: {raw_rows:,} rows in {raw:.1f} s ({raw_rows / raw:,.0f} rows/s)")
    print(f"  ratio ours / raw: {ours / raw:.1f}×")
    print(f"  load average {os.getloadavg()}  database {connection.vendor}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=92)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    if args.generate_only:
        generate(args.days, args.batch)
        return
    fill(args.customers)
    connection.close()
    cmd = [sys.executable, __file__, "--generate-only", f"--days={args.days}", f"--batch={args.batch}"]
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
