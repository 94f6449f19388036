#!/usr/bin/env python3
"""The agent's day on a database with many cases: the saved views' counts, the header search and the
customer page, each against the queue page (the baseline every agent already waits for).

In-process (Django's test client, no server): makes demo data in a scratch SQLite file the first time
(`--cases`, bulk mode), then times --repeat requests of each page for one user and prints the median,
the 95th percentile, the ratio to the queue page and os.getloadavg().

    DATABASE_URL=sqlite:////tmp/kefu-workday.sqlite3 .venv/bin/python bench/workday.py --cases 30000 --user supervisor1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/kefu-workday.sqlite3")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=30000)
    parser.add_argument("--user", default="supervisor1")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    # Pages render {% static %} without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from kefu.cases.models import Case
    from kefu.customers.models import Contact
    from kefu.org.models import User

    setup_test_environment()
    call_command("migrate", verbosity=0)
    if Case.objects.count() < args.cases:
        call_command("setup", stdout=open(os.devnull, "w"))
        started = time.monotonic()
        call_command("demo", size=args.cases, seed=7, stdout=open(os.devnull, "w"))
        print(f"demo: {Case.objects.count():,} cases in {time.monotonic() - started:.0f} s")
    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    contact = Contact.objects.order_by("pk").first()
    case = Case.objects.order_by("-pk").first()
    pages = {
        "queue page (baseline)": ("/", {}),
        "saved views with counts": ("/views/", {}),
        "search: 8 digits of a phone": ("/search/", {"q": contact.phone[-8:]}),
        "search: a case number": ("/search/", {"q": case.number}),
        "search: a customer name": ("/search/", {"q": contact.customer.name}),
        "customer page": (f"/customers/{contact.customer.code}/", {}),
    }
    print(
        f"{Case.objects.count():,} cases, {Contact.objects.count():,} contacts; user {user.username} ({user.role});"
        f" {args.repeat} requests each"
    )
    results = {}
    for label, (path, query) in pages.items():
        client.get(path, query)  # warm
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            response = client.get(path, query)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        results[label] = times
    base = statistics.median(results["queue page (baseline)"])
    for label, times in results.items():
        median = statistics.median(times)
        print(f"{label:32s} median {median:7.1f} ms  p95 {percentile(times, 95):7.1f} ms  ratio {median / base:5.2f}")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
