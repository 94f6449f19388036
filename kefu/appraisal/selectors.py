"""Reads with a rule: who sees which scorecards and ledger entries; what the dashboards show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kefu.appraisal.models import DailyReport, LedgerEntry, MonthlyRollup, Scorecard, ScoreRun, StoredReport

if TYPE_CHECKING:
    from kefu.org.models import User

__all__ = (
    "agent_dashboard",
    "daily_reports_to_review",
    "entries_visible_to",
    "org_dashboard",
    "reports_visible_to",
    "runs_visible_to",
    "unit_dashboard",
)


def entries_visible_to(user: User) -> QuerySet[LedgerEntry]:
    """Everyone sees their own entries; supervisors and managers those of people in their unit and
    below; the all-seeing roles every entry."""
    qs = LedgerEntry.objects.select_related("person__unit", "proposed_by", "decided_by", "case")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    rule = Q(person=user)
    if user.sees_unit:
        rule |= Q(person__unit__path__startswith=user.unit.path)
    return qs.filter(rule)


def runs_visible_to(user: User) -> QuerySet[ScoreRun]:
    qs = ScoreRun.objects.select_related("unit", "approved_by")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    if user.sees_unit:
        return qs.filter(unit__path__startswith=user.unit.path)
    return qs.none()


def reports_visible_to(user: User) -> QuerySet[StoredReport]:
    """The all-seeing roles: every report; supervisors and managers: their unit's and below; anyone: the
    reports mailed to them (a GM's report reaches the leadership office, outside the unit's tree)."""
    qs = StoredReport.objects.select_related("unit").defer("data")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    rule = Q(recipients__contains=[user.pk]) if _json_contains() else Q(pk__in=_mailed_to(user))
    if user.sees_unit:
        rule |= Q(unit__path__startswith=user.unit.path)
    return qs.filter(rule)


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _mailed_to(user: User) -> list[int]:
    # SQLite has no JSON containment: the recipients lists are short and reports few (a few a day).
    return [pk for pk, ids in StoredReport.objects.values_list("pk", "recipients") if user.pk in (ids or [])]


def _months_back(n: int) -> list[date]:
    first = timezone.localdate().replace(day=1)
    months = []
    for _i in range(n):
        months.append(first)
        first = (first - timezone.timedelta(days=1)).replace(day=1)
    return months[::-1]


def _rate(met: int, total: int) -> Decimal | None:
    return (Decimal(100) * met / total).quantize(Decimal("0.1")) if total else None


def _trend(unit_path: str | None) -> list[dict[str, Any]]:
    months = _months_back(12)
    qs = MonthlyRollup.objects.filter(month__gte=months[0])
    if unit_path:
        qs = qs.filter(unit__path__startswith=unit_path)
    rows = {
        r["month"]: r
        for r in qs.values("month")
        .annotate(received=Sum("received"), clocks=Sum("clocks"), met=Sum("clocks_met"), breaches=Sum("breaches"))
        .order_by()
    }
    out = []
    for m in months:
        r = rows.get(m, {})
        out.append(
            {
                "month": f"{m:%Y-%m}",
                "received": r.get("received") or 0,
                "breaches": r.get("breaches") or 0,
                "rate": _rate(r.get("met") or 0, r.get("clocks") or 0),
            }
        )
    return out


def _breaches_by_unit(unit_path: str | None, months: int = 3) -> list[dict[str, Any]]:
    qs = MonthlyRollup.objects.filter(month__gte=_months_back(months)[0])
    if unit_path:
        qs = qs.filter(unit__path__startswith=unit_path)
    rows = (
        qs.values("unit__name", "unit__path")
        .annotate(breaches=Sum("breaches"), clocks=Sum("clocks"), met=Sum("clocks_met"))
        .filter(Q(breaches__gt=0) | Q(clocks__gt=0))
        .order_by("-breaches", "unit__path")[:15]
    )
    return [{"unit": r["unit__name"], "breaches": r["breaches"], "rate": _rate(r["met"], r["clocks"])} for r in rows]


def _ranking(runs: QuerySet[ScoreRun]) -> tuple[ScoreRun | None, list[Scorecard]]:
    run = runs.filter(period_kind="month").order_by("-period_start", "unit__path").first()
    if run is None:
        return None, []
    cards = list(run.scorecards.filter(person__isnull=False).select_related("person__unit").order_by("rank", "pk")[:10])
    return run, cards


def org_dashboard(user: User) -> dict[str, Any]:
    run, ranking = _ranking(runs_visible_to(user))
    return {"trend": _trend(None), "breaches": _breaches_by_unit(None), "run": run, "ranking": ranking}


def unit_dashboard(user: User) -> dict[str, Any]:
    """Queue health of the supervisor's unit and below, live (open cases only), plus the rollup's breaches."""
    from kefu.cases.choices import CaseStatus
    from kefu.cases.models import Case
    from kefu.sla.choices import ClockStatus
    from kefu.sla.models import Clock

    path = user.unit.path
    open_cases = Case.objects.visible_to(user).filter(
        Q(responsible_unit__path__startswith=path)
        | Q(responsible_unit__isnull=True, receiving_unit__path__startswith=path),
        status=CaseStatus.OPEN,
    )
    now = timezone.now()
    clocks = Clock.objects.filter(case__in=open_cases, status=ClockStatus.RUNNING).aggregate(
        running=Count("pk"),
        overdue=Count("pk", filter=Q(deadline__lt=now)),
        due_today=Count("pk", filter=Q(deadline__gte=now, deadline__lt=now + timezone.timedelta(hours=24))),
    )
    by_handler = (
        open_cases.values("owner__username", "owner__first_name", "owner__last_name")
        .annotate(n=Count("pk"))
        .order_by("-n")[:15]
    )
    run, ranking = _ranking(runs_visible_to(user))
    return {
        "open": open_cases.count(),
        "clocks": clocks,
        "by_owner": [
            {"name": (f"{r['owner__last_name']}{r['owner__first_name']}" or r["owner__username"]), "n": r["n"]}
            for r in by_handler
        ],
        "trend": _trend(path),
        "breaches": _breaches_by_unit(path),
        "run": run,
        "ranking": ranking,
    }


def agent_dashboard(user: User) -> dict[str, Any]:
    """My deadlines (running clocks of the cases I own or handle, soonest first) and my scores."""
    from kefu.cases.models import Case
    from kefu.sla.choices import ClockStatus
    from kefu.sla.models import Clock

    mine = Case.objects.visible_to(user).filter(Q(owner=user) | Q(assignee=user))
    deadlines = list(
        Clock.objects.filter(case__in=mine, status=ClockStatus.RUNNING, deadline__isnull=False)
        .select_related("case")
        .order_by("deadline")[:20]
    )
    cards = list(
        Scorecard.objects.filter(person=user)
        .select_related("run")
        .prefetch_related("items")
        .order_by("-run__period_start", "-pk")[:6]
    )
    entries = list(entries_visible_to(user).filter(person=user)[:10])
    return {"deadlines": deadlines, "cards": cards, "entries": entries, "now": timezone.now()}


def daily_reports_to_review(user: User) -> QuerySet[DailyReport]:
    """Reports of the people in the reviewer's unit and below (everyone for the all-seeing roles), not their own."""
    qs = DailyReport.objects.select_related("person__unit", "reviewed_by").exclude(person=user)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    if user.sees_unit:
        return qs.filter(person__unit__path__startswith=user.unit.path)
    return qs.none()
