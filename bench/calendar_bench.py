#!/usr/bin/env python3
"""Deadline computations per second: Kefu's working-time engine against a day-by-day walk.

Both use the same calendar: Monday–Friday 08:30–12:00 and 13:30–17:30 with the official 2025 and
2026 schedules (holidays and make-up working days from chinesecalendar). Starts are random instants
in 2025-01-01 .. 2026-10-31 (seconds included); durations are random working minutes (1 .. 15 working
days' worth) and random working days (1 .. 15). The two implementations must agree on every sample
before anything is timed. Needs no database.

    .venv/bin/python bench/calendar_bench.py -n 20000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script, bench/ would be first on sys.path and its queue.py would shadow the standard
# library's; put the repository there instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from kefu.calendars.engine import DayRule, WorkingTime  # noqa: E402
from kefu.calendars.official import OFFICE_WINDOWS, official_year_schedule  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
YEARS = (2025, 2026)
WEEKLY = {weekday: OFFICE_WINDOWS for weekday in range(5)}
DAY_MINUTES = 450  # 3.5 h + 4 h


def official_special_days() -> dict[date, DayRule]:
    special: dict[date, DayRule] = {}
    for year in YEARS:
        schedule = official_year_schedule(year=year)
        special.update({d: DayRule("holiday") for d in schedule.holidays})
        special.update({d: DayRule("workday") for d in schedule.workdays})
    return special


class DayByDay:
    """The straightforward implementation: walk day by day, window by window, from the start."""

    def __init__(self, special: dict[date, DayRule]) -> None:
        self.special = special

    def windows(self, day: date):
        if day.year not in YEARS:
            raise LookupError(f"no schedule for {day.year}")
        rule = self.special.get(day)
        if rule is None:
            return WEEKLY.get(day.weekday(), ())
        if rule.kind == "holiday":
            return ()
        return rule.windows or WEEKLY[0]

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return start
        day = start.astimezone(TZ).date()
        while True:
            for s, e in self.windows(day):
                window_start = datetime.combine(day, s, tzinfo=TZ)
                window_end = datetime.combine(day, e, tzinfo=TZ)
                if window_end <= start:
                    continue
                begin = max(window_start, start)
                available = window_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        day = start.astimezone(TZ).date()
        counted = 0
        while True:
            day += timedelta(days=1)
            windows = self.windows(day)
            if windows:
                counted += 1
                if counted == n:
                    return datetime.combine(day, windows[-1][1], tzinfo=TZ)


def samples(n: int, seed: int, max_days: int = 15) -> list[tuple[datetime, str, int]]:
    rng = random.Random(seed)
    first = datetime(2025, 1, 1, tzinfo=TZ)
    # Leave room before the end of 2026 (the last loaded year) for the longest duration.
    last = datetime(2026, 12, 31, tzinfo=TZ) - timedelta(days=max_days * 7 // 5 + 30)
    span = int((last - first).total_seconds())
    out = []
    for _ in range(n):
        start = first + timedelta(seconds=rng.randrange(span))
        if rng.random() < 0.5:
            out.append((start, "working_minutes", rng.randint(1, max_days * DAY_MINUTES)))
        else:
            out.append((start, "working_days", rng.randint(1, max_days)))
    return out


def run(impl, cases) -> tuple[float, list[datetime]]:
    minutes, days = impl.add_working_minutes, impl.add_working_days
    results = []
    began = time.perf_counter()
    for start, unit, amount in cases:
        results.append(minutes(start, amount) if unit == "working_minutes" else days(start, amount))
    return time.perf_counter() - began, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20000, help="deadline computations per implementation")
    parser.add_argument("--check", type=int, default=5000, help="samples compared before timing")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--max-days", type=int, default=15, help="longest duration, in working days")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds; the fastest counts")
    args = parser.parse_args()

    special = official_special_days()
    began = time.perf_counter()
    engine = WorkingTime(label="office", weekly=WEEKLY, special=special, years=YEARS)
    build = time.perf_counter() - began
    naive = DayByDay(special)

    check = samples(args.check, args.seed + 1, args.max_days)
    _, expected = run(naive, check)
    _, got = run(engine, check)
    wrong = [(c, e, g) for c, e, g in zip(check, expected, got, strict=True) if e != g]
    if wrong:
        for case, e, g in wrong[:5]:
            print("MISMATCH", case, "day-by-day:", e, "engine:", g)
        sys.exit(1)
    print(f"agreement: {len(check)} samples identical (working minutes and working days)")

    cases = samples(args.n, args.seed, args.max_days)
    # Alternate the two and keep each one's fastest round, so a busy machine hurts both alike.
    naive_s = engine_s = float("inf")
    for _ in range(args.repeat):
        naive_s = min(naive_s, run(naive, cases)[0])
        engine_s = min(engine_s, run(engine, cases)[0])
    naive_rate, engine_rate = args.n / naive_s, args.n / engine_s
    print(f"durations: 1..{args.max_days} working days, or as many working minutes; {args.n} per round")
    print(
        f"calendar: office, {engine.interval_count} windows in {len(YEARS)} years, engine built in {build * 1000:.1f} ms"
    )
    print(f"day-by-day: {naive_rate:12,.0f} deadlines/s")
    print(f"engine:     {engine_rate:12,.0f} deadlines/s")
    print(f"ratio:      {engine_rate / naive_rate:12.1f}x")


if __name__ == "__main__":
    main()
