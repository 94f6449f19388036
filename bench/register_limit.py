#!/usr/bin/env python3
"""Registration against the database's limit: Kefu's API next to raw INSERTs of the same rows.

The *limit* side is what PostgreSQL itself allows: one transaction per case, written with psycopg
and server-side prepared statements, holding exactly the rows a Kefu registration writes —

    UPDATE cases_numbersequence … RETURNING last     (the gap-free number: the same counter row lock)
    INSERT INTO cases_case …                         (the case row, every column)
    INSERT INTO cases_caseevent …                    (the 'registered' history event)
    INSERT INTO sla_clock … (2 rows)                 (the clocks a complaint starts)
    INSERT INTO cases_idempotencyrecord …            (the Idempotency-Key record)
    COMMIT

The rows are copied from a case that Kefu registered through the API at the start of the run, so
both sides write the same widths and the same indexes. The *Kefu* side is `POST /api/v1/cases/` from
keep-alive clients (bench/intake.py's client) against a running server. The two sides alternate
(limit, Kefu, limit, Kefu, …) for `--pairs` rounds of `--seconds` each at every client count, so a
busy neighbour on the machine slows both; the ratio is taken per pair and its median printed, with
`os.getloadavg()` before and after each run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_p12 \\
      .venv/bin/python bench/register_limit.py --url http://127.0.0.1:8112 --clients 1 8 --pairs 3

`--server-pid` (gunicorn's master) prints each worker's resident memory at the end. Starts nothing;
`bench/ci_register.sh` sets up a database and a server and runs a short version.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# bench/ holds a queue.py that would shadow the standard library's `queue`: import intake.py by path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("kefu_bench_intake", _HERE / "intake.py")
intake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(intake)  # type: ignore[union-attr]

import psycopg  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

RAW_PREFIX = "RAWLIM"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _adapt(value):
    return Jsonb(value) if isinstance(value, (dict, list)) else value


def _row(cur, table: str, where: str, params: list) -> list[tuple[str, object]]:
    cur.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY id", params)
    names = [d.name for d in cur.description]
    rows = cur.fetchall()
    return [list(zip(names, r, strict=True)) for r in rows]


class Template:
    """The rows of one API-registered case, as INSERT statements with placeholders."""

    def __init__(self, dsn: str, number: str) -> None:
        with psycopg.connect(dsn) as conn, conn.cursor() as cur:
            case = _row(cur, "cases_case", "number = %s", [number])[0]
            case_id = dict(case)["id"]
            self.case = [(n, v) for n, v in case if n != "id"]
            events = _row(cur, "cases_caseevent", "case_id = %s", [case_id])
            self.event = [(n, v) for n, v in events[0] if n != "id"]
            self.clocks = [
                [(n, v) for n, v in c if n != "id"] for c in _row(cur, "sla_clock", "case_id = %s", [case_id])
            ]
            records = _row(cur, "cases_idempotencyrecord", "case_id = %s", [case_id])
            self.record = [(n, v) for n, v in records[0] if n != "id"] if records else None
            self.events_count = len(events)
            # The counter row of the limit side: its own prefix, so Kefu's numbering is untouched.
            cur.execute(
                "INSERT INTO cases_numbersequence (prefix, last) VALUES (%s, 0) ON CONFLICT (prefix) DO NOTHING",
                [RAW_PREFIX],
            )
            conn.commit()

    @staticmethod
    def insert(table: str, columns: list[tuple[str, object]], rows: int = 1, returning: bool = False) -> str:
        names = ", ".join(f'"{n}"' for n, _ in columns)
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        return (
            f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * rows) + (" RETURNING id" if returning else "")
        )


def raw_run(dsn: str, tpl: Template, clients: int, seconds: float) -> dict:
    """`clients` threads, each its own connection, registering raw cases for `seconds`."""
    sql_number = "UPDATE cases_numbersequence SET last = last + 1 WHERE prefix = %s RETURNING last"
    sql_case = Template.insert("cases_case", tpl.case, returning=True)
    sql_event = Template.insert("cases_caseevent", tpl.event)
    sql_clocks = Template.insert("sla_clock", tpl.clocks[0], rows=len(tpl.clocks)) if tpl.clocks else None
    sql_record = Template.insert("cases_idempotencyrecord", tpl.record) if tpl.record else None
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = [0.0]
    barrier = threading.Barrier(clients + 1)

    def worker() -> None:
        local: list[float] = []
        with psycopg.connect(dsn, prepare_threshold=0) as conn:
            barrier.wait()
            while time.perf_counter() < stop_at[0]:
                t0 = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(sql_number, [RAW_PREFIX])
                    serial = cur.fetchone()[0]
                    values = [_adapt(f"{RAW_PREFIX}{serial:09d}" if n == "number" else v) for n, v in tpl.case]
                    cur.execute(sql_case, values)
                    case_id = cur.fetchone()[0]
                    cur.execute(sql_event, [_adapt(case_id if n == "case_id" else v) for n, v in tpl.event])
                    if sql_clocks:
                        cur.execute(
                            sql_clocks,
                            [_adapt(case_id if n == "case_id" else v) for c in tpl.clocks for n, v in c],
                        )
                    if sql_record:
                        key = uuid.uuid4().hex
                        cur.execute(
                            sql_record,
                            [case_id if n == "case_id" else key if n == "key" else _adapt(v) for n, v in tpl.record],
                        )
                local.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + 3600
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return _summary(latencies, wall, errors=0)


def api_run(url: str, token: str, customer: int, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    first_error: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at = [time.perf_counter() + 3600]

    def worker() -> None:
        client = intake.Client(url, token)
        local: list[float] = []
        barrier.wait()
        i = 0
        while time.perf_counter() < stop_at[0]:
            i += 1
            body = {
                "case_type": "complaint",
                "customer": customer,
                "channel": "hotline",
                "title": f"压测工单 {i}",
                "description": "客户来电反映上门服务人员迟到，要求说明原因。",
                "category": "attitude",
            }
            t0 = time.perf_counter()
            status, payload = client.request("POST", "/api/v1/cases/", body, {"Idempotency-Key": str(uuid.uuid4())})
            elapsed = time.perf_counter() - t0
            if status == 201:
                local.append(elapsed)
            else:
                with lock:
                    errors[0] += 1
                    if not first_error:
                        first_error.append(f"HTTP {status}: {payload[:200]!r}")
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    out = _summary(latencies, wall, errors=errors[0])
    if first_error:
        out["first_error"] = first_error[0]
    return out


def _summary(latencies: list[float], wall: float, *, errors: int) -> dict:
    ms = [x * 1000 for x in latencies]
    return {
        "n": len(ms),
        "rate": len(ms) / wall if wall else 0.0,
        "p50": statistics.median(ms) if ms else float("nan"),
        "p95": intake.percentile(ms, 95),
        "errors": errors,
    }


def worker_rss(master: int) -> list[tuple[int, float]]:
    """(pid, RSS in MB) of the master's children, from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) != master:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append((int(entry.name), int(line.split()[1]) / 1024))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8112")
    ap.add_argument("--dsn", default=os.environ.get("DATABASE_URL", ""))
    ap.add_argument("--username", default="agent1")
    ap.add_argument("--password", default="kefu-demo")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--pairs", type=int, default=3, help="alternating (limit, Kefu) pairs per client count")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    ap.add_argument(
        "--before-url",
        default="",
        help="a second server (e.g. the previous code on the same database): run as a third side in every round",
    )
    ap.add_argument("--server-pid", type=int, default=0, help="gunicorn master: print its workers' RSS at the end")
    ap.add_argument("--json", default="", help="also write the figures to this file")
    args = ap.parse_args()
    if not args.dsn.startswith("postgres"):
        sys.exit("--dsn (or DATABASE_URL) must name the PostgreSQL database the server uses")

    token = intake.get_token(args.url, args.username, args.password)
    api = intake.Client(args.url, token)
    customer = intake.first_customer(api)
    status, payload = api.request(
        "POST",
        "/api/v1/cases/",
        {
            "case_type": "complaint",
            "customer": customer,
            "channel": "hotline",
            "title": "压测模板工单",
            "description": "客户来电反映上门服务人员迟到，要求说明原因。",
            "category": "attitude",
        },
        {"Idempotency-Key": str(uuid.uuid4())},
    )
    if status != 201:
        sys.exit(f"the template registration failed: HTTP {status} {payload[:300]!r}")
    tpl = Template(args.dsn, json.loads(payload)["number"])
    print(
        f"register_limit: {args.url}, template case with {tpl.events_count} event(s), {len(tpl.clocks)} clock(s), "
        f"idempotency record {'yes' if tpl.record else 'no'}; {args.pairs} pairs × {args.seconds:g} s per client count"
    )
    before_token = intake.get_token(args.before_url, args.username, args.password) if args.before_url else ""
    # Warm every side up (connections, worker imports, caches) before timing anything.
    raw_run(args.dsn, tpl, 1, 1.0)
    api_run(args.url, token, customer, 2, 2.0)
    if args.before_url:
        api_run(args.before_url, before_token, customer, 2, 2.0)

    results: dict[str, list] = {}
    for clients in args.clients:
        print(f"\n== {clients} client(s)")
        print(
            f"  {'run':<10} {'side':<6} {'cases/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}  load avg before → after"
        )
        pairs = []
        olds: list[dict] = []
        for i in range(1, args.pairs + 1):
            before = load()
            raw = raw_run(args.dsn, tpl, clients, args.seconds)
            print(
                f"  pair {i:<5} limit  {raw['rate']:9.1f} {raw['p50']:8.1f} {raw['p95']:8.1f} {raw['errors']:6d}  "
                f"{before} → {load()}"
            )
            before = load()
            kefu = api_run(args.url, token, customer, clients, args.seconds)
            print(
                f"  pair {i:<5} kefu   {kefu['rate']:9.1f} {kefu['p50']:8.1f} {kefu['p95']:8.1f} {kefu['errors']:6d}  "
                f"{before} → {load()}"
            )
            if "first_error" in kefu:
                print(f"    first error: {kefu['first_error']}")
            if args.before_url:
                before = load()
                old = api_run(args.before_url, before_token, customer, clients, args.seconds)
                print(
                    f"  pair {i:<5} before {old['rate']:9.1f} {old['p50']:8.1f} {old['p95']:8.1f} {old['errors']:6d}  "
                    f"{before} → {load()}"
                )
                olds.append(old)
            pairs.append((raw, kefu))
        ratios = [r["rate"] / k["rate"] for r, k in pairs if k["rate"]]
        med = statistics.median(ratios) if ratios else float("nan")
        print(
            f"  limit ÷ kefu: {', '.join(f'{x:.2f}' for x in ratios)}  → median {med:.2f}× "
            f"(Kefu at 1/{med:.1f} of the limit; median Kefu {statistics.median(k['rate'] for _, k in pairs):.1f}/s, "
            f"limit {statistics.median(r['rate'] for r, _ in pairs):.1f}/s)"
        )
        if olds:
            old_ratios = [r["rate"] / o["rate"] for (r, _), o in zip(pairs, olds, strict=True) if o["rate"]]
            gains = [k["rate"] / o["rate"] for (_, k), o in zip(pairs, olds, strict=True) if o["rate"]]
            print(
                f"  limit ÷ before: median {statistics.median(old_ratios):.2f}×; kefu ÷ before: "
                f"{', '.join(f'{x:.2f}' for x in gains)} → median {statistics.median(gains):.2f}×"
            )
        results[str(clients)] = [{"limit": r, "kefu": k} for r, k in pairs]
        if olds:
            results[f"{clients}_before"] = olds
    if args.server_pid:
        rss = worker_rss(args.server_pid)
        print("\nworker RSS: " + ", ".join(f"pid {pid} {mb:.1f} MB" for pid, mb in rss))
        results["rss_mb"] = [mb for _, mb in rss]
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
