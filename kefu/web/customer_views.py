"""The customer page for staff: profile, contacts, addresses, every case (open first) with its
deadline, and a timeline of what happened on those cases.

The customer comes from `Customer.objects.visible_to`; the cases from `Case.objects.visible_to` and,
for anonymous complaints, only those whose complainant the reader may see (`identity_q`), so an
anonymous complaint is never tied to its complainant's file for anyone else (001 篇10 第十九条).
Phone numbers, e-mails and the ID number are masked; the roles that call or visit customers
(`kefu.customers.choices.CONTACT_ROLES`) may "show" them, which writes a `PersonalDataAccess` row
(`customer_reveal_contacts`, the same log as the API's and the admin's).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Case as Switch
from django.db.models import IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kefu.cases.models import Case, CaseEvent, identity_q
from kefu.core.exceptions import ForbiddenError
from kefu.customers.masking import mask_email, mask_id_number, mask_phone
from kefu.customers.models import Customer
from kefu.customers.services import customer_reveal_contacts, may_reveal_contacts
from kefu.sla.selectors import Engines, next_deadline_for_cases
from kefu.web.deadlines import clock_row

__all__ = ("customer_detail",)

CASES_SHOWN = 100
TIMELINE_SHOWN = 30


def _cases(customer: Customer, user: Any) -> list[Case]:
    qs = (
        Case.objects.visible_to(user)
        .filter(customer=customer)
        .filter(identity_q(user))
        .annotate(
            closed=Switch(
                When(status__in=["open", "suspended"], then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("customer", "owner", "responsible_unit", "rulebook_version")
        .defer("rulebook_version__source_text", "description")
        .order_by("closed", "-received_at", "-id")
    )
    cases = list(qs[:CASES_SHOWN])
    nearest = next_deadline_for_cases(c.pk for c in cases)
    now, engines = timezone.now(), Engines()
    for case in cases:
        clock = nearest.get(case.pk)
        case.deadline_row = clock_row(clock, now, engines, case) if clock else None
    return cases


@login_required
@require_http_methods(["GET", "POST"])
def customer_detail(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the page with masked numbers. POST (the "show" button): the same page with the full
    numbers, after the access is logged; refused (403) for roles that see masked numbers only."""
    customer = get_object_or_404(
        Customer.objects.visible_to(request.user).prefetch_related("contacts", "addresses"), code=code
    )
    revealed = False
    status = 200
    refusal = ""
    if request.method == "POST":
        try:
            customer_reveal_contacts(customer=customer, actor=request.user, surface="web", path=request.path)
            revealed = True
        except ForbiddenError as exc:
            refusal, status = str(exc), 403
    cases = _cases(customer, request.user)
    contacts = list(customer.contacts.all())
    for contact in contacts:
        contact.shown_phone = contact.phone if revealed else mask_phone(contact.phone)
        contact.shown_email = contact.email if revealed else mask_email(contact.email) if contact.email else ""
    timeline = list(
        CaseEvent.objects.filter(case__in=[c.pk for c in cases])
        .select_related("actor", "case")
        .only("id", "kind", "transition", "created_at", "actor__username", "case__number", "case__is_anonymous")
        .order_by("-created_at", "-id")[:TIMELINE_SHOWN]
    )
    labels = {c.pk: c for c in cases}
    for event in timeline:
        case = labels.get(event.case_id)
        event.step_label = _step_label(case, event)
    context = {
        "customer": customer,
        "contacts": contacts,
        "id_shown": customer.id_number if revealed else mask_id_number(customer.id_number),
        "addresses": list(customer.addresses.all()),
        "cases": cases,
        "open_count": sum(1 for c in cases if c.status in ("open", "suspended")),
        "timeline": timeline,
        "revealed": revealed,
        "may_reveal": may_reveal_contacts(request.user),
        "refusal": refusal,
    }
    return render(request, "web/customer.html", context, status=status)


def _step_label(case: Case | None, event: CaseEvent) -> str:
    """'转被投诉部门' for a transition (the rulebook's words), else the kind of event."""
    if case is not None and event.transition:
        td = case.type_def.transition(event.transition)
        if td is not None:
            from kefu.web.templatetags.kefu_web import rb_label

            return rb_label(td)
    return str(event.get_kind_display())
