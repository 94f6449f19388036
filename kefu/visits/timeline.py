"""Return visits made and survey answers on a customer's timeline (kefu.customers.timeline).

Visit records come from the tasks `VisitTask.objects.visible_to(user)` lets the reader see; a
call-back after an anonymous case is left out for a reader who may not see that case's complainant
(001 篇10 第十九条). Survey answers are shown to the people who read survey results (every-case roles,
supervisors and managers) — a customer's answers are not for every handler.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.cases.timeline import anonymous_cases_named_for
from kefu.customers.timeline import Cursor, TimelineEntry, keyset_q
from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES
from kefu.visits.models import VisitRecord, VisitTask
from kefu.visits.survey_models import SurveyResponse

__all__ = ("survey_entries", "visit_entries")


def visit_entries(customer: Any, user: Any, *, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    tasks = VisitTask.objects.visible_to(user).filter(customer=customer)
    if not user.is_superuser:
        tasks = tasks.filter(
            Q(case__isnull=True) | Q(case__is_anonymous=False) | Q(case__in=anonymous_cases_named_for(user))
        )
    rows = (
        VisitRecord.objects.filter(task__in=tasks.values("pk"))
        .filter(keyset_q(source="visits", before=before, when_field="written_at"))
        .select_related("task", "visitor")
        .only("id", "written_at", "unsatisfied", "task__id", "task__purpose", "task__method", "visitor__username")
        .order_by("-written_at", "-pk")[:limit]
    )
    url = reverse("visits:task", args=[0]).replace("/0/", "/{}/")  # one reverse() per page
    return [
        TimelineEntry(
            when=record.written_at,
            kind="visit",
            title=_("Return visit: %(purpose)s (%(method)s)")
            % {"purpose": record.task.get_purpose_display(), "method": record.task.get_method_display()},
            url=url.format(record.task_id),
            key=record.pk,
            source="visits",
            detail=str(_("unsatisfied") if record.unsatisfied else _("satisfied")),
            extra={"unsatisfied": record.unsatisfied},
        )
        for record in rows
    ]


def survey_entries(customer: Any, user: Any, *, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    if not (user.is_superuser or user.role in ALL_SEEING_ROLES or user.role in UNIT_SEEING_ROLES):
        return []
    rows = (
        SurveyResponse.objects.filter(invitation__customer=customer)
        .filter(keyset_q(source="surveys", before=before, when_field="submitted_at"))
        .select_related("round__survey")
        .only("id", "submitted_at", "round__id", "round__survey__title")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            when=response.submitted_at,
            kind="survey_answer",
            title=_("Survey answered: %(title)s") % {"title": response.round.survey.title},
            key=response.pk,
            source="surveys",
        )
        for response in rows
    ]
