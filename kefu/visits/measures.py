"""Return visits' and surveys' contribution to appraisal (kefu.appraisal): measures KPIs may name,
registered in `ready()`; each is ONE aggregate query grouped by visitor or unit.

| code | counts | person | unit |
|---|---|---|---|
| `visits.completion` (rate) | visits due in the period (cancelled ones left out): done ÷ due | visitor | visit's unit |
| `visits.satisfied` (rate) | visit records of the period: satisfied ÷ records | visitor | visit's unit |
| `surveys.satisfaction` (rate) | rated survey answers of rounds whose period starts in the period: satisfied ÷ rated, every item and round together | — | unit measured |
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q

__all__ = ("register_appraisal",)


def _figures(rows):
    from kefu.appraisal.measures import Figure

    return {r["who"]: Figure(Decimal(r["n"]), Decimal(r["d"])) for r in rows if r["who"] is not None}


def completion(period, scope):
    from kefu.visits.choices import VisitStatus
    from kefu.visits.models import VisitTask

    qs = VisitTask.objects.filter(due_date__gte=period.first_day, due_date__lte=period.last_day).exclude(
        status=VisitStatus.CANCELLED
    )
    if scope.by == "person":
        qs = qs.filter(visitor__unit__path__startswith=scope.unit_path).values(who=F("visitor"))
    else:
        qs = qs.filter(unit__path__startswith=scope.unit_path).values(who=F("unit"))
    return _figures(qs.annotate(n=Count("pk", filter=Q(status=VisitStatus.DONE)), d=Count("pk")).order_by())


def satisfied(period, scope):
    from kefu.visits.models import VisitRecord

    qs = VisitRecord.objects.filter(visited_on__gte=period.first_day, visited_on__lte=period.last_day)
    if scope.by == "person":
        qs = qs.filter(visitor__unit__path__startswith=scope.unit_path).values(who=F("visitor"))
    else:
        qs = qs.filter(task__unit__path__startswith=scope.unit_path).values(who=F("task__unit"))
    return _figures(qs.annotate(n=Count("pk", filter=Q(unsatisfied=False)), d=Count("pk")).order_by())


def survey_satisfaction(period, scope):
    from kefu.visits.survey_models import SurveyAnswer

    if scope.by == "person":
        return {}  # a survey measures a unit, never a person
    qs = SurveyAnswer.objects.filter(
        period_start__gte=period.first_day,
        period_start__lte=period.last_day,
        satisfied__isnull=False,
        unit__path__startswith=scope.unit_path,
    ).values(who=F("unit"))
    return _figures(qs.annotate(n=Count("pk", filter=Q(satisfied=True)), d=Count("pk")).order_by())


def register_appraisal() -> None:
    from kefu.appraisal.measures import register_measure

    register_measure("visits.completion", kind="rate", compute=completion)
    register_measure("visits.satisfied", kind="rate", compute=satisfied)
    register_measure("surveys.satisfaction", kind="rate", compute=survey_satisfaction)
