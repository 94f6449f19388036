"""The monthly statistics rollup: refreshed by the worker, read for organisation-wide readers.

Counting a month live means grouping every case of it several ways (8 s at a million cases, and a
month of ten million holds ~420,000). The worker counts each month once with the same
`month_counts` the live report uses, over every case, and keeps the groups (`MonthlyCount`); the
general manager, deputy GM, quality and administrators then read a month as a few hundred rows.

**Refresh** (`reports_refresh`, beat task every 10 minutes): the months whose cases changed since
the last run — every change to a case writes a `CaseEvent` (indexed by `created_at`), so the changed
cases are found without scanning the cases; their months of receipt and of closing are recounted,
plus the month a reopened case had been closed in (reopening clears `closed_at`). "Closed in time"
reads stopped resolution clocks only, and a clock stops inside the case's change (with its event), so
a deadline passing needs no refresh of its own. Every month is recounted on the first run, with
`--full`, and when the dimensions (the rulebooks' choice fields) or the organisation-wide readers
changed. A month's rows are compared with the new counts and only the differences written.

**Reading** (`rollup_counts`): `visible_to` hides from an organisation-wide reader the cases about
themselves and the sealed case types their role may not read, unless they are assigned to the case.
Their figures are the month's counts, less the `sealed:` partitions their role may not read, less
their own `about:` partition (its sealed part their role may read: the rest was already taken off
with `sealed:`), plus the sealed cases they are assigned to, counted live (a handful, on a partial
index). All partitions come from the same refresh, so nothing is taken off twice or goes negative.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case, CaseEvent, reads_sealed, sealed_against_q, sees_all_cases
from kefu.org.choices import ALL_SEEING_ROLES
from kefu.org.models import User
from kefu.reports.counting import Month, month_counts, report_dims, report_timezone
from kefu.reports.fields import FieldColumns, choice_field_columns
from kefu.reports.grouping import COUNT_NAMES, Counts
from kefu.reports.models import MonthlyCount, ReportRollupState

__all__ = ("Refreshed", "rollup_counts", "reports_refresh", "reports_refresh_month")

STATE_KEY = "monthly"
# Events are read from a little before the last refresh started: a change whose transaction began
# before that moment but committed after the refresh read the events would otherwise be missed.
# Recounting a month again costs time, never a wrong figure (unchanged rows are not rewritten).
LOOKBACK = dt.timedelta(minutes=5)
# A closing event is stamped just after the case's closed_at: at a month's edge the close may belong
# to the month before the event's.
CLOSE_SLACK = dt.timedelta(minutes=1)

Row = tuple[str, str, str]  # (scope, dimension, key as canonical JSON)


@dataclass
class Refreshed:
    months: list[Month]
    written: int  # rows inserted, changed or deleted
    full: bool


def _canonical(key: Iterable[Any]) -> str:
    return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def _about_ids() -> list[int]:
    """The people whose role sees the whole organisation: the cases about each of them are kept apart."""
    return sorted(User.objects.filter(role__in=ALL_SEEING_ROLES).values_list("pk", flat=True))


def _signature(fields: FieldColumns, about: list[int]) -> str:
    text = json.dumps(
        {"dims": report_dims(fields), "multi": fields.multi, "about": about}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


# -- refresh --------------------------------------------------------------------------------------


def _month_rows(month: Month, fields: FieldColumns, about: list[int]) -> dict[Row, tuple[int, ...]]:
    out: dict[Row, tuple[int, ...]] = {}

    def put(scope: str, counts: Counts, skip: int) -> None:
        for dimension, groups in counts.items():
            for key, values in groups.items():
                numbers = tuple(values[name] for name in COUNT_NAMES)
                if any(numbers):
                    prefix = [str(part) for part in key[:skip]]
                    out[(":".join([scope, *prefix]) if scope else "", dimension, _canonical(key[skip:]))] = numbers

    put("", month_counts(Case.objects.all(), month, fields), 0)
    # The sealed and the about-leadership cases are few; the partial indexes on sealed cases' dates
    # and the subject_person index find them without reading the month.
    put("sealed", month_counts(Case.objects.exclude(sealed_roles=""), month, fields, prefix=("sealed_roles",)), 1)
    if about:
        about_cases = Case.objects.filter(subject_person__in=about)
        put("about", month_counts(about_cases, month, fields, prefix=("subject_person", "sealed_roles")), 2)
    return out


@transaction.atomic
def reports_refresh_month(*, month: Month, fields: FieldColumns | None = None, about: list[int] | None = None) -> int:
    """Recount one month (every case, every partition) and write the rows that differ. Returns the
    number of rows inserted, changed or deleted."""
    fields = fields or choice_field_columns()
    about = _about_ids() if about is None else about
    new = _month_rows(month, fields, about)
    day = month.first_day
    old = {(r.scope, r.dimension, r.key): r for r in MonthlyCount.objects.filter(month=day)}
    created, changed = [], []
    for row, numbers in new.items():
        current = old.pop(row, None)
        if current is None:
            scope, dimension, key = row
            created.append(
                MonthlyCount(
                    month=day, scope=scope, dimension=dimension, key=key, **dict(zip(COUNT_NAMES, numbers, strict=True))
                )
            )
        elif tuple(getattr(current, name) for name in COUNT_NAMES) != numbers:
            for name, value in zip(COUNT_NAMES, numbers, strict=True):
                setattr(current, name, value)
            changed.append(current)
    MonthlyCount.objects.bulk_create(created, batch_size=1000)
    MonthlyCount.objects.bulk_update(changed, COUNT_NAMES, batch_size=500)
    if old:
        MonthlyCount.objects.filter(pk__in=[r.pk for r in old.values()]).delete()
    return len(created) + len(changed) + len(old)


def _months_between(first: dt.datetime | None, last: dt.datetime | None) -> set[Month]:
    if first is None or last is None:
        return set()
    month, end, out = Month.of(first), Month.of(last), set()
    while (month.year, month.month) <= (end.year, end.month):
        out.add(month)
        month = month.next
    return out


def _all_months() -> set[Month]:
    # Bounds from the received_at / closed_at indexes: every month in between is counted (an empty
    # month costs two empty index ranges), no scan of the cases to list them.
    span = Case.objects.aggregate(
        r0=Min("received_at"), r1=Max("received_at"), c0=Min("closed_at"), c1=Max("closed_at")
    )
    months = _months_between(span["r0"], span["r1"]) | _months_between(span["c0"], span["c1"])
    # Months still in the rollup whose cases are all gone elsewhere are emptied too.
    kept = MonthlyCount.objects.order_by().values_list("month", flat=True).distinct()
    return months | {Month(day.year, day.month) for day in kept}


def _changed_months(since: dt.datetime) -> set[Month]:
    events = CaseEvent.objects.filter(created_at__gte=since)
    changed = Case.objects.filter(pk__in=events.values("case_id"))
    tz = report_timezone()
    months: set[Month] = set()
    for column in ("received_at", "closed_at"):
        starts = (
            changed.exclude(**{f"{column}__isnull": True})
            .annotate(m=TruncMonth(column, tzinfo=tz))
            .order_by()
            .values_list("m", flat=True)
            .distinct()
        )
        months.update(Month.of(start) for start in starts)
    # Reopening clears closed_at: the month the case had been closed in is found from its closing events.
    reopened = events.filter(kind=EventKind.REOPEN).values("case_id")
    for stamped in CaseEvent.objects.filter(case_id__in=reopened, to_status=CaseStatus.CLOSED).values_list(
        "created_at", flat=True
    ):
        months.update({Month.of(stamped), Month.of(stamped - CLOSE_SLACK)})
    return months


@transaction.atomic
def reports_refresh(*, full: bool = False) -> Refreshed:
    """Bring the rollup up to date: the months whose cases changed since the last run, or every month
    (first run, `full`, new dimensions or organisation-wide readers). Safe to run twice or at once:
    the state row is locked for the run, and a month with no change writes no row."""
    state, _created = ReportRollupState.objects.select_for_update().get_or_create(key=STATE_KEY)
    started = timezone.now()
    fields, about = choice_field_columns(), _about_ids()
    signature = _signature(fields, about)
    full = full or state.refreshed_at is None or state.signature != signature
    months = _all_months() if full else _changed_months(state.refreshed_at - LOOKBACK)
    written = 0
    for month in sorted(months, key=lambda m: (m.year, m.month)):
        written += reports_refresh_month(month=month, fields=fields, about=about)
    state.refreshed_at, state.signature = started, signature
    state.save(update_fields=["refreshed_at", "signature"])
    return Refreshed(months=sorted(months, key=lambda m: (m.year, m.month)), written=written, full=full)


# -- reading --------------------------------------------------------------------------------------


def rollup_counts(*, user: User, month: Month, fields: FieldColumns) -> tuple[Counts, dt.datetime] | None:
    """The month's counts over the cases `user` may see, from the rollup, and when they were counted;
    None when the rollup cannot answer (not an organisation-wide reader, never refreshed, or counted
    for other dimensions or readers than today's: the worker recounts on its next run)."""
    if not sees_all_cases(user):
        return None
    state = ReportRollupState.objects.filter(key=STATE_KEY).first()
    if state is None or state.refreshed_at is None or state.signature != _signature(fields, _about_ids()):
        return None
    counts: Counts = {name: {} for name in report_dims(fields)} | {f"multi:{key}": {} for key in fields.multi}

    def add(dimension: str, key: tuple[Any, ...], values: Iterable[int], sign: int) -> None:
        group = counts.setdefault(dimension, {}).setdefault(key, dict.fromkeys(COUNT_NAMES, 0))
        for name, value in zip(COUNT_NAMES, values, strict=True):
            group[name] += sign * value

    rows = MonthlyCount.objects.filter(month=month.first_day)
    if not user.is_superuser:  # superusers see every case: no partition is taken off
        rows = rows.filter(Q(scope="") | Q(scope__startswith="sealed:") | Q(scope__startswith=f"about:{user.pk}:"))
    else:
        rows = rows.filter(scope="")
    for row in rows.order_by():
        if row.scope.startswith("sealed:"):
            if reads_sealed(row.scope.removeprefix("sealed:"), user.role):
                continue
        elif row.scope.startswith("about:") and not reads_sealed(row.scope.split(":", 2)[2], user.role):
            continue  # a sealed case about them their role may not read: already off with `sealed:`
        sign = 1 if row.scope == "" else -1
        add(row.dimension, tuple(json.loads(row.key)), (getattr(row, name) for name in COUNT_NAMES), sign)
    if not user.is_superuser:
        assigned = Case.objects.visible_to(user).filter(sealed_against_q(user.role))
        for dimension, groups in month_counts(assigned, month, fields).items():
            for key, values in groups.items():
                add(dimension, key, (values[name] for name in COUNT_NAMES), 1)
    for groups in counts.values():
        for key in [key for key, values in groups.items() if not any(values.values())]:
            del groups[key]
    return counts, state.refreshed_at
