#!/usr/bin/env python3
"""Registration side by side: Kefu's `POST /api/v1/cases/` against django-helpdesk 2.6.1's
`POST /api/tickets/`, the same closed-loop keep-alive clients (bench/intake.py's `Client`) on both.

Both servers run already (gunicorn -w 2 each, the same PostgreSQL): Kefu from `kefu demo` (agent1 /
kefu-demo), the peer from `bash bench/helpdesk_peer.sh` (the same login, one queue). Both sides get a
token the same way (username and password to /api/v1/auth/token/, `Authorization: Token …` after)
and create the same kind of record: a title, a 31-character Chinese description and a customer —
Kefu's first customer id (with an Idempotency-Key, as every Kefu client sends) against the peer's
queue, `submitter_email` and the priority its form requires.

The two sides alternate (helpdesk, Kefu, helpdesk, Kefu, …) for `--pairs` rounds of `--seconds`
each at every `--clients` count, so a busy neighbour slows both; each run prints creates/s, p50 and
p95 latency, errors and `os.getloadavg()` before and after; per client count the medians and the
ratio Kefu ÷ helpdesk (the median of the per-pair ratios). At the end: errors, and whether every Kefu
number and every helpdesk ticket id returned in the whole run was distinct.

`--worker-cpu` adds the CPU seconds (user + system, /proc/<pid>/stat) the gunicorn workers of each
side spent per create in each run; it needs Kefu's gunicorn master pid (`--kefu-pid`) and reads the
peer's from helpdesk_peer.sh's pid file unless `--peer-pid` is given. PostgreSQL's own CPU is not in it.

    bash bench/helpdesk_peer.sh                      # the peer on 127.0.0.1:8621
    .venv/bin/gunicorn config.wsgi:application -w 2 -b 127.0.0.1:8622 --pid /tmp/kefu.pid --daemon
    .venv/bin/python bench/register_peer.py --kefu-url http://127.0.0.1:8622 --clients 1 8 --pairs 9 \\
      --seconds 10 --worker-cpu --kefu-pid "$(cat /tmp/kefu.pid)"
    bash bench/helpdesk_peer.sh stop; kill "$(cat /tmp/kefu.pid)"

Starts nothing and needs nothing beyond the standard library and bench/intake.py.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# bench/ holds a queue.py that would shadow the standard library's `queue`: import intake.py by path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("kefu_bench_intake", _HERE / "intake.py")
intake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(intake)  # type: ignore[union-attr]

DESCRIPTION = "客户来电反映上门服务人员迟到两个小时，要求说明原因并尽快回电。"
PEER_PID_FILE = Path(os.environ.get("PEER_RUN_DIR", "/tmp/kefu-helpdesk-peer")) / "gunicorn.pid"
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Side:
    """One server: how to ask it for a create and which field of the 201 body names the record."""

    name: str
    url: str
    token: str
    path: str
    body: Callable[[int], dict]
    headers: Callable[[], dict]
    ident: str
    master: int = 0
    ids: list = field(default_factory=list)
    errors: int = 0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def workers(master: int) -> list[int]:
    """Pids of the master's children (gunicorn's workers), from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each pid, in seconds."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / TICK
        except (OSError, IndexError, ValueError):
            continue
    return out


def closed_loop(side: Side, clients: int, seconds: float) -> dict:
    """`clients` threads, each one keep-alive connection, creating records back to back for `seconds`."""
    latencies: list[float] = []
    ids: list = []
    errors = [0]
    first_error: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at = [time.perf_counter() + 3600]

    def worker() -> None:
        client = intake.Client(side.url, side.token)
        local: list[float] = []
        mine: list = []
        barrier.wait()
        i = 0
        while time.perf_counter() < stop_at[0]:
            i += 1
            t0 = time.perf_counter()
            try:
                status, payload = client.request("POST", side.path, side.body(i), side.headers())
            except Exception as exc:  # a dropped connection counts as an error, the run goes on
                status, payload = 0, repr(exc).encode()
            elapsed = time.perf_counter() - t0
            if status == 201:
                local.append(elapsed)
                mine.append(json.loads(payload)[side.ident])
            else:
                with lock:
                    errors[0] += 1
                    if not first_error:
                        first_error.append(f"HTTP {status}: {payload[:200]!r}")
        with lock:
            latencies.extend(local)
            ids.extend(mine)

    pids = workers(side.master) if side.master else []
    cpu_before = cpu_seconds(pids)
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    cpu_after = cpu_seconds(pids)
    side.ids.extend(ids)
    side.errors += errors[0]
    ms = [x * 1000 for x in latencies]
    out = {
        "n": len(ms),
        "rate": len(ms) / wall if wall else 0.0,
        "p50": statistics.median(ms) if ms else float("nan"),
        "p95": intake.percentile(ms, 95),
        "errors": errors[0],
    }
    if pids and ms:
        spent = sum(cpu_after[p] - cpu_before[p] for p in cpu_after if p in cpu_before)
        out["cpu_ms"] = spent * 1000 / len(ms)
    if first_error:
        out["first_error"] = first_error[0]
    return out


def line(pair: int, side: Side, run: dict, before: str) -> str:
    cpu = f"{run['cpu_ms']:8.1f}" if "cpu_ms" in run else f"{'-':>8}"
    return (
        f"  pair {pair:<4} {side.name:<9} {run['rate']:8.1f} {run['p50']:8.1f} {run['p95']:8.1f} "
        f"{run['errors']:6d} {cpu}  {before} → {load()}"
    )


def median_of(runs: list[dict], key: str) -> float:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kefu-url", default="http://127.0.0.1:8622")
    ap.add_argument("--peer-url", default="http://" + os.environ.get("PEER_ADDR", "127.0.0.1:8621"))
    ap.add_argument("--username", default="agent1", help="the same login on both sides")
    ap.add_argument("--password", default="kefu-demo")
    ap.add_argument("--peer-queue", type=int, default=1, help="helpdesk queue id (helpdesk_peer.sh prints it)")
    ap.add_argument("--customer", type=int, default=None, help="Kefu customer id (default: the first listed)")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--pairs", type=int, default=9, help="alternating (helpdesk, Kefu) pairs per client count")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    ap.add_argument("--worker-cpu", action="store_true", help="CPU of each side's gunicorn workers per create")
    ap.add_argument("--kefu-pid", type=int, default=0, help="Kefu's gunicorn master (for --worker-cpu)")
    ap.add_argument("--peer-pid", type=int, default=0, help=f"the peer's gunicorn master (default: {PEER_PID_FILE})")
    ap.add_argument("--json", default="", help="also write the figures to this file")
    args = ap.parse_args()

    kefu_token = intake.get_token(args.kefu_url, args.username, args.password)
    customer = args.customer or intake.first_customer(intake.Client(args.kefu_url, kefu_token))
    kefu = Side(
        name="kefu",
        url=args.kefu_url,
        token=kefu_token,
        path="/api/v1/cases/",
        body=lambda i: {
            "case_type": "complaint",
            "customer": customer,
            "channel": "hotline",
            "title": f"压测工单 {i}",
            "description": DESCRIPTION,
            "category": "attitude",
        },
        headers=lambda: {"Idempotency-Key": str(uuid.uuid4())},
        ident="number",
    )
    peer = Side(
        name="helpdesk",
        url=args.peer_url,
        token=intake.get_token(args.peer_url, args.username, args.password),
        path="/api/tickets/",
        body=lambda i: {
            "queue": args.peer_queue,
            "title": f"压测工单 {i}",
            "description": DESCRIPTION,
            "submitter_email": "zhang.wei@example.com",
            "priority": 3,
        },
        headers=dict,
        ident="id",
    )
    if args.worker_cpu:
        if not args.kefu_pid:
            sys.exit("--worker-cpu needs --kefu-pid (Kefu's gunicorn master)")
        kefu.master = args.kefu_pid
        peer.master = args.peer_pid or int(PEER_PID_FILE.read_text())
        for side in (kefu, peer):
            if not workers(side.master):
                sys.exit(f"pid {side.master} ({side.name}) has no worker processes: is it the gunicorn master?")

    print(
        f"register_peer: helpdesk {peer.url}{peer.path} vs kefu {kefu.url}{kefu.path}; "
        f"{args.pairs} pairs × {args.seconds:g} s per client count; {os.cpu_count()} CPUs"
    )
    # Warm both up (connections, imports, caches) before timing anything; these records are not counted.
    for side in (peer, kefu):
        closed_loop(side, 2, 2.0)
        side.ids.clear()
        side.errors = 0

    results: dict[str, dict] = {}
    for clients in args.clients:
        print(f"\n== {clients} client(s)")
        print(
            f"  {'run':<9} {'side':<9} {'cases/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} {'cpu ms':>8}"
            "  load avg before → after"
        )
        pairs: list[tuple[dict, dict]] = []
        for i in range(1, args.pairs + 1):
            runs = []
            for side in (peer, kefu):
                before = load()
                run = closed_loop(side, clients, args.seconds)
                print(line(i, side, run, before))
                if "first_error" in run:
                    print(f"    first error: {run['first_error']}")
                runs.append(run)
            pairs.append((runs[0], runs[1]))
        hd_runs = [h for h, _ in pairs]
        kf_runs = [k for _, k in pairs]
        ratios = [k["rate"] / h["rate"] for h, k in pairs if h["rate"]]
        med = statistics.median(ratios) if ratios else float("nan")
        print(
            f"  median: helpdesk {median_of(hd_runs, 'rate'):.1f}/s p50 {median_of(hd_runs, 'p50'):.1f} ms; "
            f"kefu {median_of(kf_runs, 'rate'):.1f}/s p50 {median_of(kf_runs, 'p50'):.1f} ms"
        )
        print(f"  kefu ÷ helpdesk: {', '.join(f'{x:.2f}' for x in ratios)} → median {med:.2f}×")
        if args.worker_cpu:
            hd_cpu, kf_cpu = median_of(hd_runs, "cpu_ms"), median_of(kf_runs, "cpu_ms")
            print(
                f"  worker CPU per create: helpdesk {hd_cpu:.1f} ms, kefu {kf_cpu:.1f} ms "
                f"(kefu ÷ helpdesk {kf_cpu / hd_cpu:.2f}×)"
            )
        results[str(clients)] = {"pairs": [{"helpdesk": h, "kefu": k} for h, k in pairs], "ratio": med}

    print()
    ok = True
    for side, what in ((kefu, "numbers"), (peer, "ticket ids")):
        distinct = len(set(side.ids))
        ok = ok and distinct == len(side.ids) and not side.errors
        print(
            f"{side.name}: {side.errors} error(s); {what} {distinct} distinct of {len(side.ids)}"
            + ("" if distinct == len(side.ids) else "  DUPLICATES!")
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
