#!/usr/bin/env python3
"""Intake throughput: register N cases through the REST API with C concurrent clients.

Starts nothing: point it at a running Kefu (e.g. gunicorn with several workers on PostgreSQL, see
bench/run_pg.sh). Each client is a thread with its own keep-alive HTTP connection. Prints
cases/second, latency percentiles, errors, and checks that every case number is distinct.

    .venv/bin/python bench/intake.py --url http://127.0.0.1:8111 -n 2000 -c 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Client:
    """One keep-alive connection; reconnects if the server closed it."""

    def __init__(self, url: str, token: str | None = None) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        if self.token:
            hdrs["Authorization"] = f"Token {self.token}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                payload = resp.read()
                return resp.status, payload
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def get_token(url: str, username: str, password: str) -> str:
    status, payload = Client(url).request("POST", "/api/v1/auth/token/", {"username": username, "password": password})
    if status != 200:
        sys.exit(f"could not get a token for {username}: HTTP {status} {payload[:300]!r}")
    return json.loads(payload)["token"]


def first_customer(client: Client) -> int:
    status, payload = client.request("GET", "/api/v1/customers/")
    if status != 200:
        sys.exit(f"GET /api/v1/customers/ gave HTTP {status}; pass --customer ID")
    body = json.loads(payload)
    rows = body.get("results", body) if isinstance(body, dict) else body
    if not rows:
        sys.exit("no customers visible; run `kefu demo` or pass --customer ID")
    return rows[0]["id"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8111")
    ap.add_argument("--username", default="agent1")
    ap.add_argument("--password", default="kefu-demo")
    ap.add_argument("-n", "--cases", type=int, default=2000, help="cases to register (default 2000)")
    ap.add_argument("-c", "--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    ap.add_argument("--case-type", default="complaint")
    ap.add_argument("--category", default="attitude")
    ap.add_argument("--customer", type=int, default=None, help="customer id (default: the first the API lists)")
    ap.add_argument("--no-idempotency-key", action="store_true", help="do not send Idempotency-Key headers")
    args = ap.parse_args()

    token = get_token(args.url, args.username, args.password)
    customer = args.customer or first_customer(Client(args.url, token))
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    numbers: list[str] = []
    errors: dict[str, int] = {}

    def worker() -> None:
        client = Client(args.url, token)
        while True:
            with lock:
                if next_index[0] >= args.cases:
                    return
                next_index[0] += 1
                i = next_index[0]
            body = {
                "case_type": args.case_type,
                "customer": customer,
                "channel": "hotline",
                "title": f"压测工单 {i}",
                "description": "客户来电反映上门服务人员迟到，要求说明原因。",
                "category": args.category,
            }
            headers = {} if args.no_idempotency_key else {"Idempotency-Key": str(uuid.uuid4())}
            t0 = time.perf_counter()
            try:
                status, payload = client.request("POST", "/api/v1/cases/", body, headers)
            except Exception as exc:  # a dropped connection counts as an error, the run goes on
                status, payload = 0, repr(exc).encode()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if status == 201:
                    numbers.append(json.loads(payload)["number"])
                else:
                    key = f"HTTP {status}: {payload[:120].decode(errors='replace')}"
                    errors[key] = errors.get(key, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started

    ms = [x * 1000 for x in latencies]
    print(f"intake: {args.cases} POST /api/v1/cases/ with {args.concurrency} concurrent clients against {args.url}")
    print(f"  created        {len(numbers)}")
    print(f"  errors         {sum(errors.values())}")
    for message, count in sorted(errors.items(), key=lambda kv: -kv[1])[:5]:
        print(f"    {count} × {message}")
    print(f"  wall time      {wall:.2f} s")
    print(f"  throughput     {len(numbers) / wall:.1f} cases/s")
    print(f"  latency p50    {statistics.median(ms):.1f} ms")
    print(f"  latency p95    {percentile(ms, 95):.1f} ms")
    print(f"  latency p99    {percentile(ms, 99):.1f} ms")
    print(f"  latency max    {max(ms):.1f} ms")
    distinct = len(set(numbers))
    print(
        f"  numbers        {distinct} distinct of {len(numbers)}"
        + ("" if distinct == len(numbers) else "  DUPLICATES!")
    )
    if distinct != len(numbers) or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
