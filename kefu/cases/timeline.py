"""The case engine's part of a customer's timeline (kefu.customers.timeline): each case the reader
may see as it was received, and what happened on it since.

Only cases from `Case.objects.visible_to(user)` whose complainant the reader may see
(`identity_visible_to`): an anonymous complaint never reveals itself on its complainant's file to
anybody else (001 篇10 第十九条), and neither does its history.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kefu.cases.choices import EventKind
from kefu.cases.models import Case, CaseEvent
from kefu.customers.timeline import Cursor, TimelineEntry, keyset_q, per_page

__all__ = ("anonymous_cases_named_for", "case_entries", "case_event_entries")


def _cases(customer: Any, user: Any):
    return per_page(
        ("cases.visible_named", customer.pk, user.pk),
        lambda: Case.objects.visible_to(user).identity_visible_to(user).filter(customer=customer),
    )


def anonymous_cases_named_for(user: Any):
    """The anonymous cases whose complainant `user` may see (ids), for the sources of records that hang
    off a case (work orders, call-backs): built once per timeline page."""
    return per_page(
        ("cases.anonymous_named", user.pk),
        lambda: Case.objects.identity_visible_to(user).filter(is_anonymous=True).values("pk"),
    )


def _label(case: Case) -> str:
    try:
        return case.type_def.label
    except KeyError:
        return case.case_type


def _title(case: Case) -> str:
    """An anonymous complaint's title with the complainant's name and number blanked, as in the lists:
    even a reader who may see the identity sees it only on the case page, through its logged reveal."""
    if not case.is_anonymous:
        return case.title
    from kefu.cases.selectors import IdentityRedactor

    return IdentityRedactor.for_case(case, brief=True).text(case.title)


def _case_url() -> str:
    """The case page's address with a placeholder: one reverse() per page, not one per entry."""
    return reverse("web:case", args=["NUMBER"]).replace("NUMBER", "{}")


def _step(event: CaseEvent) -> str:
    """'转被投诉部门' for a transition (the rulebook's words), else the kind of event."""
    if event.transition:
        try:
            td = event.case.type_def.transition(event.transition)
        except KeyError:
            td = None
        if td is not None:
            return td.label
    return str(event.get_kind_display())


def case_entries(customer: Any, user: Any, *, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    rows = (
        _cases(customer, user)
        .filter(keyset_q(source="cases", before=before, when_field="received_at"))
        .select_related("rulebook_version", "customer")
        .defer("description", "fields", "rulebook_version__document", "rulebook_version__source_text")
        .order_by("-received_at", "-pk")[:limit]
    )
    url = _case_url()
    return [
        TimelineEntry(
            when=case.received_at,
            kind="case",
            title=f"{_label(case)} {case.number} {_title(case)}",
            url=url.format(case.number),
            key=case.pk,
            source="cases",
            detail=str(case.get_status_display()),
            extra={"number": case.number, "status": case.status},
        )
        for case in rows
    ]


def case_event_entries(customer: Any, user: Any, *, before: Cursor | None, limit: int) -> list[TimelineEntry]:
    """Steps, notes, transfers … on those cases (not the registration: that is the case's own entry)."""
    rows = (
        CaseEvent.objects.filter(case__in=_cases(customer, user).values("pk"))
        .exclude(kind=EventKind.REGISTERED)
        .filter(keyset_q(source="case_events", before=before, when_field="created_at"))
        .select_related("case__rulebook_version", "actor")
        .only(
            "id",
            "kind",
            "transition",
            "created_at",
            "case__number",
            "case__case_type",
            "case__rulebook_version__id",
            "case__rulebook_version__sha256",
            "actor__username",
            "actor__first_name",
        )
        .order_by("-created_at", "-pk")[:limit]
    )
    url = _case_url()
    return [
        TimelineEntry(
            when=event.created_at,
            kind="case_event",
            title=f"{event.case.number} {_step(event)}",
            url=url.format(event.case.number),
            key=event.pk,
            source="case_events",
            detail=str(event.actor or ""),
            extra={"number": event.case.number},
        )
        for event in rows
    ]
