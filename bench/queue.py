#!/usr/bin/env python3
"""Queue latency: the web queue page and the case list API, on a database with many cases.

Starts nothing: point it at a running Kefu holding demo data (bench/run_pg.sh makes 1,000,000
cases). For each user it logs in through the login form (session cookie) and gets an API token,
then times, over --repeat requests each: the queue page (page 1), a filtered queue page, page 20
of the queue, and the API list (page 1, filtered, and page 20 reached by following cursors).

    .venv/bin/python bench/queue.py --url http://127.0.0.1:8111 --users gm supervisor1 agent1
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import sys
import time
from urllib.parse import urlencode, urlsplit


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


class Session:
    """A keep-alive connection with a cookie jar good enough for Django's session and CSRF cookies."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            hdrs["Authorization"] = f"Token {self.token}"
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=hdrs)
            resp = self.conn.getresponse()
        payload = resp.read()
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.getheader("Location"), payload


def login(url: str, username: str, password: str, login_path: str) -> Session:
    s = Session(url)
    status, _, page = s.request("GET", login_path)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not match:
        sys.exit(f"no login form at {login_path} (HTTP {status})")
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": match.group(1).decode()})
    status, location, _ = s.request(
        "POST",
        login_path,
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": url + login_path},
    )
    if status != 302 or "sessionid" not in s.cookies:
        sys.exit(f"login as {username} failed (HTTP {status})")
    return s


def api_token(url: str, username: str, password: str) -> Session:
    s = Session(url)
    body = json.dumps({"username": username, "password": password}).encode()
    status, _, payload = s.request("POST", "/api/v1/auth/token/", body, {"Content-Type": "application/json"})
    if status != 200:
        sys.exit(f"no API token for {username}: HTTP {status} {payload[:200]!r}")
    s.token = json.loads(payload)["token"]
    return s


def timed(s: Session, path: str, repeat: int, accept: str = "text/html") -> tuple[list[float], int]:
    times, size = [], 0
    s.request("GET", path, headers={"Accept": accept})  # warm-up: connection, caches
    for _ in range(repeat):
        t0 = time.perf_counter()
        status, _, payload = s.request("GET", path, headers={"Accept": accept})
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            sys.exit(f"GET {path} gave HTTP {status}: {payload[:300]!r}")
        size = len(payload)
    return times, size


def api_page(s: Session, path: str, page: int) -> str:
    """Follow `next` cursors from `path` to page `page`; return that page's path."""
    for _ in range(page - 1):
        status, _, payload = s.request("GET", path, headers={"Accept": "application/json"})
        if status != 200:
            sys.exit(f"GET {path} gave HTTP {status}")
        nxt = json.loads(payload).get("next")
        if not nxt:
            sys.exit(f"fewer than {page} pages at {path}")
        parts = urlsplit(nxt)
        path = parts.path + ("?" + parts.query if parts.query else "")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8111")
    ap.add_argument("--users", nargs="+", default=["gm", "supervisor1", "agent1"])
    ap.add_argument("--password", default="kefu-demo")
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--login-path", default="/login/")
    ap.add_argument("--no-web", action="store_true", help="only the API")
    ap.add_argument("--no-api", action="store_true", help="only the web queue")
    ap.add_argument(
        "--field",
        default="quality_claim:penalty_type:administrative",
        help="case type:choice field:option for the form-field filters (format v2); empty to skip",
    )
    ap.add_argument("--only-field", action="store_true", help="only the form-field filters (index comparisons)")
    args = ap.parse_args()

    print(f"queue: {args.repeat} timed GETs each (after one warm-up) against {args.url}; milliseconds")
    print(f"{'user':<12} {'request':<64} {'median':>8} {'p95':>8} {'max':>8} {'bytes':>8}")
    for user in args.users:
        checks: list[tuple[Session, str, str]] = []
        if not args.no_web:
            web = login(args.url, user, args.password, args.login_path)
            if not args.only_field:
                checks += [
                    (web, "/", "text/html"),
                    (web, "/?status=open&case_type=complaint", "text/html"),
                    (web, "/?page=20", "text/html"),
                ]
            if args.field:
                case_type, key, value = args.field.split(":")
                checks.append((web, f"/?case_type={case_type}&field__{key}={value}", "text/html"))
        if not args.no_api:
            api = api_token(args.url, user, args.password)
            if not args.only_field:
                checks += [
                    (api, "/api/v1/cases/", "application/json"),
                    (api, "/api/v1/cases/?status=open", "application/json"),
                    (api, api_page(api, "/api/v1/cases/?status=open", 20), "application/json"),
                ]
            if args.field:
                case_type, key, value = args.field.split(":")
                checks.append((api, f"/api/v1/cases/?field={key}:{value}", "application/json"))
                checks.append((api, f"/api/v1/cases/?case_type={case_type}&field={key}:{value}", "application/json"))
        for session, path, accept in checks:
            times, size = timed(session, path, args.repeat, accept)
            label = path if len(path) <= 64 or "cursor=" not in path else path[:40] + "…(page 20 cursor)"
            print(
                f"{user:<12} {label:<64} {statistics.median(times):>8.1f} {percentile(times, 95):>8.1f}"
                f" {max(times):>8.1f} {size:>8}"
            )


if __name__ == "__main__":
    main()
