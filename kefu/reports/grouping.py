"""Counting the month's cases per value of several dimensions at once.

Each breakdown of the monthly report is "received, closed, closed in time, per value of X". Asked one
breakdown at a time that is two queries per breakdown, and every closed-side query evaluates the
"closed in time" subqueries (a resolution clock exists / was missed) for every closed case of the
month again. On PostgreSQL all breakdowns are answered by **two** queries instead — one over the
month's received cases, one over its closed cases — with `GROUP BY GROUPING SETS`, so each case is
read and each subquery evaluated once, whatever the number of breakdowns (the rulebooks' choice fields
add one each). Other databases ask per breakdown, which is fine at their scale. The rows that come back
are groups, never cases: Python only sorts and labels them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from kefu.cases.choices import Validity
from kefu.cases.models import Case

__all__ = ("COUNT_NAMES", "DEALT_WITH", "DID_NOT_STAND", "STOOD", "Counts", "empty_counts", "grouped_counts")

Counts = dict[str, dict[tuple[Any, ...], dict[str, int]]]
# PostgreSQL's GROUPING() takes at most 31 arguments.
_MAX_COLUMNS = 31
# Memory for the report's grouping statement (PostgreSQL's default work_mem is 4 MB).
WORK_MEM = "64MB"


COUNT_NAMES = ("received", "closed", "in_time", "applicable", "established", "not_established")


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_NAMES, 0)


# A complaint that did not stand is concluded, not resolved: it is counted apart ("did not stand") and
# never as "closed" or "closed in time" (issue 13: statistics of complaints that stood).
DEALT_WITH = ~Q(validity=Validity.NOT_ESTABLISHED)
STOOD = Q(validity=Validity.ESTABLISHED)
DID_NOT_STAND = Q(validity=Validity.NOT_ESTABLISHED)


def _portable(
    received: QuerySet[Case], closed: QuerySet[Case], dims: dict[str, list[str]], applicable: Q, in_time: Q
) -> Counts:
    out: Counts = {}
    for name, cols in dims.items():
        counts: dict[tuple[Any, ...], dict[str, int]] = {}
        for values in received.order_by().values(*cols).annotate(n=Count("pk")):
            counts.setdefault(tuple(values[c] for c in cols), empty_counts())["received"] = values["n"]
        closed_rows = (
            closed.order_by()
            .values(*cols)
            .annotate(
                n=Count("pk", filter=DEALT_WITH),
                in_time=Count("pk", filter=DEALT_WITH & in_time),
                applicable=Count("pk", filter=DEALT_WITH & applicable),
                established=Count("pk", filter=STOOD),
                not_established=Count("pk", filter=DID_NOT_STAND),
            )
        )
        for values in closed_rows:
            counts.setdefault(tuple(values[c] for c in cols), empty_counts()).update(
                closed=values["n"],
                in_time=values["in_time"],
                applicable=values["applicable"],
                established=values["established"],
                not_established=values["not_established"],
            )
        out[name] = counts
    return out


def _grouping_sets(qs: QuerySet[Case], dims: dict[str, list[str]], columns: list[str], flags: list[str]) -> list:
    """One GROUPING SETS query over `qs`: rows of (grouping bitmask, *columns, n, *flag counts), the
    columns in the order given."""
    inner = qs.order_by().values(*columns, *flags)
    sql, params = inner.query.sql_with_params()
    # The inner SELECT lists the model's columns first, then the annotations (Django's order for
    # values()); name them positionally and refer to them by those names.
    order = [*inner.query.values_select, *inner.query.annotation_select]
    alias = {name: f"c{i}" for i, name in enumerate(order)}
    every = ", ".join(alias[c] for c in columns)
    sets = ", ".join("(" + ", ".join(alias[c] for c in cols) + ")" for cols in dims.values())
    counted = "".join(f", count(*) FILTER (WHERE {alias[f]})" for f in flags)
    query = (
        f"SELECT GROUPING({every}), {every}, count(*){counted} "
        f"FROM ({sql}) AS t({', '.join(alias[n] for n in order)}) GROUP BY GROUPING SETS ({sets})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # The month's rows are grouped several ways: in memory they hash, with the default 4 MB they
        # spill sorts to disk (measured: 0.65 s → see docs/benchmarks.md). For this statement only.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(query, params)
        return cursor.fetchall()


def _postgresql(
    received: QuerySet[Case], closed: QuerySet[Case], dims: dict[str, list[str]], applicable: Q, in_time: Q
) -> Counts:
    columns = list(dict.fromkeys(c for cols in dims.values() for c in cols))
    width = len(columns)

    def mask(cols: list[str]) -> int:
        # GROUPING(c0..cn): bit (n - i) is set when column i is *not* part of the row's grouping set.
        return sum(1 << (width - 1 - i) for i, c in enumerate(columns) if c not in cols)

    by_mask: dict[int, list[str]] = {}
    for name, cols in dims.items():
        by_mask.setdefault(mask(cols), []).append(name)
    out: Counts = {name: {} for name in dims}

    def key_of(row: tuple, cols: list[str]) -> tuple[Any, ...]:
        return tuple(row[1 + columns.index(c)] for c in cols)

    for row in _grouping_sets(received, dims, columns, []):
        for name in by_mask.get(row[0], []):
            out[name].setdefault(key_of(row, dims[name]), empty_counts())["received"] = row[1 + width]
    flagged = closed.annotate(
        _dealt=_as_flag(DEALT_WITH),
        _applicable=_as_flag(DEALT_WITH & applicable),
        _in_time=_as_flag(DEALT_WITH & in_time),
        _stood=_as_flag(STOOD),
        _not_stood=_as_flag(DID_NOT_STAND),
    )
    flags = ["_dealt", "_applicable", "_in_time", "_stood", "_not_stood"]
    for row in _grouping_sets(flagged, dims, columns, flags):
        # row: grouping mask, the columns, count(*), then one count per flag in `flags` order.
        for name in by_mask.get(row[0], []):
            out[name].setdefault(key_of(row, dims[name]), empty_counts()).update(
                closed=row[2 + width],
                applicable=row[3 + width],
                in_time=row[4 + width],
                established=row[5 + width],
                not_established=row[6 + width],
            )
    return out


def _as_flag(condition: Q) -> Any:
    from django.db.models import BooleanField, ExpressionWrapper

    return ExpressionWrapper(condition, output_field=BooleanField())


def grouped_counts(
    received: QuerySet[Case], closed: QuerySet[Case], dims: dict[str, list[str]], *, applicable: Q, in_time: Q
) -> Counts:
    """For each named dimension (a list of `values()` names; annotate both querysets with any
    expression a dimension uses first), the counts per value: received, closed (dealt with: not a
    complaint that did not stand), in_time, applicable, established and not_established."""
    columns = {c for cols in dims.values() for c in cols}
    if connection.vendor == "postgresql" and len(columns) <= _MAX_COLUMNS and dims:
        return _postgresql(received, closed, dims, applicable, in_time)
    return _portable(received, closed, dims, applicable, in_time)
