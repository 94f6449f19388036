#!/usr/bin/env python3
"""Monthly report latency: the statistics page (with its breakdowns by the rulebooks' choice fields)
and its Excel download, for a few months, against a running Kefu with demo data.

    .venv/bin/python bench/report.py --url http://127.0.0.1:8111 --user gm --months 2026-09 2026-10
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

# bench/queue.py by its path: on sys.path it would shadow the standard library's queue module.
_spec = importlib.util.spec_from_file_location("kefu_bench_queue", Path(__file__).with_name("queue.py"))
_queue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_queue)
login, percentile = _queue.login, _queue.percentile


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8111")
    ap.add_argument("--user", default="gm")
    ap.add_argument("--password", default="kefu-demo")
    ap.add_argument("--months", nargs="+", required=True)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    web = login(args.url, args.user, args.password, "/login/")
    print(f"report: {args.repeat} timed GETs each (after one warm-up) as {args.user}; milliseconds")
    print(f"{'request':<44} {'median':>8} {'p95':>8} {'max':>8} {'bytes':>9}")
    for month in args.months:
        for path in (f"/reports/monthly/?month={month}", f"/reports/monthly.xlsx?month={month}"):
            web.request("GET", path)
            times, size = [], 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                status, _, payload = web.request("GET", path)
                times.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    sys.exit(f"GET {path} gave HTTP {status}")
                size = len(payload)
            print(
                f"{path:<44} {statistics.median(times):>8.1f} {percentile(times, 95):>8.1f} {max(times):>8.1f}"
                f" {size:>9}"
            )


if __name__ == "__main__":
    main()
