"""Reads of return visits with a rule: what a person is to do today, what they may open."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, Prefetch, QuerySet

from kefu.customers.models import Contact
from kefu.visits.models import VisitTask

__all__ = ("tasks_for_today", "task_for")


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
