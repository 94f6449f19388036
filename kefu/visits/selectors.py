"""Reads of return visits with a rule: what a person is to do today, what they may open."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, Prefetch, QuerySet

from kefu.customers.models import Contact
from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES
from kefu.visits.models import VisitTask

__all__ = ("review_queue", "tasks_for_today", "task_for")


def tasks_for_today(user: Any, *, today: date) -> QuerySet[VisitTask]:
    """The visits `user` is to make today: theirs, still to be made, due today or before (overdue
    first, then the ones a customer asked to be called back first)."""
    return (
        VisitTask.objects.visible_to(user)
        .pending()
        .filter(visitor=user, due_date__lte=today)
        .select_related("customer", "case")
        .prefetch_related(Prefetch("customer__contacts", queryset=Contact.objects.order_by("pk")))
        .order_by("due_date", F("next_attempt_at").asc(nulls_first=True), "pk")
    )


def task_for(user: Any, pk: int) -> VisitTask | None:
    """A visit `user` may open (None: 404)."""
    return (
        VisitTask.objects.visible_to(user)
        .select_related("customer", "case", "visitor", "unit", "rulebook_version__rulebook")
        .prefetch_related(Prefetch("customer__contacts", queryset=Contact.objects.order_by("pk")))
        .filter(pk=pk)
        .first()
    )


def review_queue(user: Any, *, today: date) -> dict[str, list[VisitTask]]:
    """The supervisor's review list (Doc 1 4.5): of the visits they see, made by others —
    reports waiting for review, requests for more time, and visits whose report is past its deadline
    (each with its deadlines). Bounded: the newest 200 of each."""
    from kefu.visits.choices import ExtensionStatus, ReportStatus, VisitStatus
    from kefu.visits.reports import report_deadlines

    if user.role not in UNIT_SEEING_ROLES | ALL_SEEING_ROLES and not user.is_superuser:
        return {"reports": [], "extensions": [], "late": []}
    base = (
        VisitTask.objects.visible_to(user)
        .exclude(visitor=user)
        .select_related("customer", "case", "visitor", "unit", "record", "rulebook_version")
    )
    reports = list(
        base.filter(report__status=ReportStatus.SUBMITTED)
        .select_related("report")
        .order_by("report__submitted_at")[:200]
    )
    extensions = list(
        base.filter(report_extension__status=ExtensionStatus.REQUESTED)
        .select_related("report_extension")
        .order_by("report_extension__requested_at")[:200]
    )
    late = []
    candidates = (
        base.filter(status=VisitStatus.DONE, report__isnull=True, record__visited_on__lt=today)
        .select_related("report_extension")
        .order_by("record__visited_on", "pk")[:1000]
    )
    for task in candidates:
        deadlines = report_deadlines(task)
        if deadlines is not None and today > deadlines.submit_by:
            task.deadlines = deadlines
            late.append(task)
            if len(late) == 200:
                break
    for task in reports + extensions:
        task.deadlines = report_deadlines(task)
    return {"reports": reports, "extensions": extensions, "late": late}
