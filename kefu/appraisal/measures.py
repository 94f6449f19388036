"""The vocabulary of measures KPIs are built from: a registry other apps add to.

A KPI in the rulebook (section `appraisal`, kefu/appraisal/rules.py) names a measure by its code. A
measure turns a period and a population into a numerator and (for rates and averages) a denominator
per person or per unit, with ONE aggregate query — never a Python loop over cases:

    from kefu.appraisal.measures import Figure, register_measure

    def visits_done(period, scope):           # kefu/visits/apps.py, in ready()
        rows = (ReturnVisit.objects.filter(done_at__gte=period.start, done_at__lt=period.end,
                                           **scope.people_filter("visitor"))
                .values(key=scope.key("visitor", "visitor__unit")).annotate(n=Count("pk"), d=...))
        return {r["who"]: Figure(r["n"], r["d"]) for r in rows}

    register_measure("visits.completion", label=_("Return visits completed"), kind="rate", compute=visits_done)

`kind` says how a figure becomes the KPI's value: `count` (the numerator), `rate` (numerator ÷
denominator × 100, in percent) or `average` (numerator ÷ denominator). A measure's code is namespaced
by its app (`cases.*` here, `workorders.*`, `visits.*` later); the rulebook check refuses an unknown
code, so a rulebook naming another app's measure loads only where that app is installed.

The case measures, and whom they count:

| code | counts | person | unit |
|---|---|---|---|
| `cases.received` | cases received in the period | receiver | receiving unit |
| `cases.closed` | cases closed in the period | owner | responsible (else receiving) unit |
| `cases.on_time` | clocks stopped in the period: met ÷ all (a KPI may name one clock) | case owner | case unit |
| `cases.first_response_minutes` | minutes from receipt to the first step after registration, cases received in the period | owner | case unit |
| `cases.reopened` | closed in the period and reopened or rejected by the customer ÷ closed | owner | case unit |
| `cases.accepted` | closed in the period and accepted by the customer ÷ closed with an answer from the customer | owner | case unit |
| `cases.findings` | complaints closed in the period that stood with the company responsible and a person named | responsible person | responsible unit |
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.appraisal.choices import PeriodKind

__all__ = ("Figure", "Measure", "Period", "Scope", "get_measure", "register_measure", "registered_measures")


@dataclass(frozen=True)
class Period:
    kind: str  # PeriodKind
    first_day: date

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        if kind == PeriodKind.MONTH:
            return cls(kind, day.replace(day=1))
        if kind == PeriodKind.QUARTER:
            return cls(kind, date(day.year, 3 * ((day.month - 1) // 3) + 1, 1))
        if kind == PeriodKind.YEAR:
            return cls(kind, date(day.year, 1, 1))
        raise ValueError(kind)

    @property
    def last_day(self) -> date:
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]
        month = self.first_day.month + months - 1
        year = self.first_day.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        return date(year, month, calendar.monthrange(year, month)[1])

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def end(self) -> datetime:  # exclusive
        return timezone.make_aware(datetime.combine(self.last_day, time.min)) + timezone.timedelta(days=1)

    def previous(self) -> Period:
        return Period.of(self.kind, self.first_day - timezone.timedelta(days=1))

    def __str__(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.first_day:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.first_day.year}Q{(self.first_day.month - 1) // 3 + 1}"
        return str(self.first_day.year)


@dataclass(frozen=True)
class Scope:
    """Whom to count: `by` "person" or "unit", everyone in `unit_path` and below; `clock` narrows
    `cases.on_time` to one clock key."""

    by: str
    unit_path: str
    clock: str = ""

    def people_filter(self, person_field: str) -> dict[str, Any]:
        return {f"{person_field}__unit__path__startswith": self.unit_path, f"{person_field}__isnull": False}

    def unit_filter(self, unit_expr_alias: str) -> dict[str, Any]:
        return {f"{unit_expr_alias}__path__startswith": self.unit_path}


@dataclass(frozen=True)
class Figure:
    numerator: Decimal
    denominator: Decimal | None = None


@dataclass(frozen=True)
class Measure:
    code: str
    label: Any
    kind: str  # count | rate | average
    compute: Callable[[Period, Scope], dict[int, Figure]]

    def value(self, figure: Figure) -> Decimal | None:
        if self.kind == "count":
            return figure.numerator
        if not figure.denominator:
            return None
        ratio = figure.numerator / figure.denominator
        return (ratio * 100 if self.kind == "rate" else ratio).quantize(Decimal("0.01"))


_measures: dict[str, Measure] = {}

# The labels of the measures other apps register (their strings live in this app's catalog, with the
# vocabulary they belong to; docs/appraisal.md lists them).
VOCABULARY = {
    "workorders.on_time": _("Arrived on time (%)"),
    "workorders.repeat_fault": _("Repeat faults (%)"),
    "workorders.completed": _("Work orders completed"),
    "workorders.signature_missing": _("Completed without the customer's signature"),
    "visits.completion": _("Return visits made (%)"),
    "visits.satisfied": _("Visited customers satisfied (%)"),
    "surveys.satisfaction": _("Survey answers satisfied (%)"),
}


def register_measure(
    code: str, *, kind: str, compute: Callable[[Period, Scope], dict[int, Figure]], label: Any = None
) -> None:
    """Add a measure; `label` defaults to the vocabulary's label for the code (VOCABULARY)."""
    if kind not in ("count", "rate", "average"):
        raise ValueError(f"measure kind must be count, rate or average, not {kind!r}")
    _measures[code] = Measure(
        code=code, label=label if label is not None else VOCABULARY.get(code, code), kind=kind, compute=compute
    )


def registered_measures() -> dict[str, Measure]:
    return dict(_measures)


def get_measure(code: str) -> Measure:
    return _measures[code]


def _d(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    if hasattr(value, "total_seconds"):
        return Decimal(value.total_seconds())
    return Decimal(value)


def _grouped(qs, scope: Scope, person: str, unit: str | Any, **aggregates) -> list[dict[str, Any]]:
    """Restrict `qs` to the scope and group it by person (`person` field) or unit (`unit` field or
    expression), with the given aggregates: one query."""
    if scope.by == "person":
        qs = qs.filter(**scope.people_filter(person)).values(who=F(person))
    else:
        unit_expr = F(unit) if isinstance(unit, str) else unit
        qs = qs.alias(_unit=unit_expr).filter(_unit__isnull=False)
        unit_path = unit + "__path" if isinstance(unit, str) else None
        if unit_path:
            qs = qs.filter(**{f"{unit_path}__startswith": scope.unit_path})
        else:
            qs = qs.filter(
                Q(responsible_unit__path__startswith=scope.unit_path)
                | Q(responsible_unit__isnull=True, receiving_unit__path__startswith=scope.unit_path)
            )
        qs = qs.values(who=F("_unit"))
    return list(qs.annotate(**aggregates).order_by())


def _case_unit(prefix: str = "") -> Any:
    return Coalesce(F(f"{prefix}responsible_unit"), F(f"{prefix}receiving_unit"))


def _cases():
    from kefu.cases.models import Case

    return Case.objects.all()


def _received(period: Period, scope: Scope) -> dict[int, Figure]:
    qs = _cases().filter(received_at__gte=period.start, received_at__lt=period.end)
    rows = _grouped(qs, scope, "receiver", "receiving_unit", n=Count("pk"))
    return {r["who"]: Figure(_d(r["n"])) for r in rows}


def _closed(period: Period, scope: Scope) -> dict[int, Figure]:
    qs = _cases().filter(closed_at__gte=period.start, closed_at__lt=period.end)
    rows = _grouped(qs, scope, "owner", _case_unit(), n=Count("pk"))
    return {r["who"]: Figure(_d(r["n"])) for r in rows}


def _on_time(period: Period, scope: Scope) -> dict[int, Figure]:
    from kefu.sla.choices import ClockStatus
    from kefu.sla.models import Clock

    qs = Clock.objects.filter(
        stopped_at__gte=period.start, stopped_at__lt=period.end, status__in=[ClockStatus.MET, ClockStatus.MISSED]
    )
    if scope.clock:
        qs = qs.filter(key=scope.clock)
    if scope.by == "person":
        qs = qs.filter(**scope.people_filter("case__owner")).values(who=F("case__owner"))
    else:
        qs = qs.alias(_unit=_case_unit("case__")).filter(
            Q(case__responsible_unit__path__startswith=scope.unit_path)
            | Q(case__responsible_unit__isnull=True, case__receiving_unit__path__startswith=scope.unit_path)
        )
        qs = qs.values(who=F("_unit"))
    rows = qs.annotate(met=Count("pk", filter=Q(status=ClockStatus.MET)), n=Count("pk")).order_by()
    return {r["who"]: Figure(_d(r["met"]), _d(r["n"])) for r in rows}


def _first_response(period: Period, scope: Scope) -> dict[int, Figure]:
    from kefu.cases.choices import EventKind
    from kefu.cases.models import CaseEvent

    first = (
        CaseEvent.objects.filter(case=OuterRef("pk"))
        .exclude(kind=EventKind.REGISTERED)
        .order_by()
        .values("case")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    qs = (
        _cases()
        .filter(received_at__gte=period.start, received_at__lt=period.end)
        .annotate(first_at=Subquery(first))
        .filter(first_at__isnull=False)
        .annotate(waited=F("first_at") - F("received_at"))
    )
    rows = _grouped(qs, scope, "owner", _case_unit(), total=Sum("waited"), n=Count("pk"))
    return {r["who"]: Figure((_d(r["total"]) / 60).quantize(Decimal("0.01")), _d(r["n"])) for r in rows}


def _reopened(period: Period, scope: Scope) -> dict[int, Figure]:
    from kefu.cases.choices import EventKind
    from kefu.cases.models import CaseEvent

    reopened = CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.REOPEN)
    qs = _cases().filter(closed_at__gte=period.start, closed_at__lt=period.end).alias(was_reopened=Exists(reopened))
    rows = _grouped(
        qs,
        scope,
        "owner",
        _case_unit(),
        bad=Count("pk", filter=Q(was_reopened=True) | Q(customer_accepted=False)),
        n=Count("pk"),
    )
    return {r["who"]: Figure(_d(r["bad"]), _d(r["n"])) for r in rows}


def _accepted(period: Period, scope: Scope) -> dict[int, Figure]:
    qs = _cases().filter(closed_at__gte=period.start, closed_at__lt=period.end, customer_accepted__isnull=False)
    rows = _grouped(qs, scope, "owner", _case_unit(), ok=Count("pk", filter=Q(customer_accepted=True)), n=Count("pk"))
    return {r["who"]: Figure(_d(r["ok"]), _d(r["n"])) for r in rows}


def _findings(period: Period, scope: Scope) -> dict[int, Figure]:
    from kefu.cases.choices import Responsibility, Validity

    qs = _cases().filter(
        closed_at__gte=period.start,
        closed_at__lt=period.end,
        validity=Validity.ESTABLISHED,
        responsibility=Responsibility.COMPANY,
    )
    if scope.by == "person":
        rows = _grouped(qs, scope, "responsible_person", "responsible_unit", n=Count("pk"))
    else:
        rows = _grouped(
            qs.filter(responsible_unit__isnull=False), scope, "responsible_person", "responsible_unit", n=Count("pk")
        )
    return {r["who"]: Figure(_d(r["n"])) for r in rows}


def register_case_measures() -> None:
    register_measure("cases.received", label=_("Cases received"), kind="count", compute=_received)
    register_measure("cases.closed", label=_("Cases closed"), kind="count", compute=_closed)
    register_measure("cases.on_time", label=_("Deadlines met (%)"), kind="rate", compute=_on_time)
    register_measure(
        "cases.first_response_minutes",
        label=_("Average first response (minutes)"),
        kind="average",
        compute=_first_response,
    )
    register_measure(
        "cases.reopened", label=_("Reopened or rejected by the customer (%)"), kind="rate", compute=_reopened
    )
    register_measure("cases.accepted", label=_("Replies the customer accepted (%)"), kind="rate", compute=_accepted)
    register_measure("cases.findings", label=_("Complaints that stood against them"), kind="count", compute=_findings)
