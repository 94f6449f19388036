"""The header's search box: one query for a case number, any part of a phone number, a customer's or
contact's name, or words of a case title; results grouped as customers and cases.

Every result comes from `visible_to`. An anonymous complaint is never found through its
complainant's name or phone by someone who may not see who that is (001 篇10 第十九条): a case found
only through its customer is dropped unless `identity_q` lets the reader see the complainant. A
digits-only query is both a phone fragment and a case number fragment (13957112345 finds the caller;
2612000 finds KF2612000…).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Case as Switch
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kefu.cases.models import Case, identity_q
from kefu.customers.models import Customer
from kefu.customers.validators import normalize_phone
from kefu.sla.selectors import Engines, next_deadline_for_cases
from kefu.web.deadlines import clock_row

__all__ = ("search_cases", "search_customers", "search_view")

LIMIT = 20
MAX_QUERY = 100


def _phone_part(query: str) -> str:
    """The query as a phone fragment ('139 5711 2345' → '13957112345'), or '' if it is not one."""
    digits = normalize_phone(query)
    return digits if digits.lstrip("+").replace("#", "").isdigit() and len(digits) >= 4 else ""


def _customer_match(query: str) -> Q:
    who = Q(name__icontains=query) | Q(code__iexact=query) | Q(contacts__name__icontains=query)
    phone = _phone_part(query)
    if phone:
        who |= Q(contacts__phone__contains=phone)
    return who


def search_customers(query: str, user: Any, *, limit: int = LIMIT) -> list[Customer]:
    """Customers the reader may see whose name, number, contact name or contact phone matches."""
    ids = list(
        Customer.objects.visible_to(user).filter(_customer_match(query)).values_list("pk", flat=True).distinct()[:limit]
    )
    return list(Customer.objects.filter(pk__in=ids).prefetch_related("contacts").order_by("name", "pk"))


def search_cases(query: str, user: Any, *, limit: int = LIMIT) -> QuerySet[Case]:
    """Cases the reader may see, by number, title words or their customer; open ones first."""
    complainants = Customer.objects.filter(_customer_match(query)).values("pk")
    own = Q(title__icontains=query)
    compact = query.replace(" ", "")
    if compact.isalnum() and compact.isascii() and len(compact) >= 4:
        own |= Q(number__icontains=compact)
    by_customer = Q(customer_id__in=complainants)
    return (
        Case.objects.visible_to(user)
        .filter(own | by_customer)
        # Found through the customer but anonymous to this reader: never (even if the title matched too,
        # as a title may carry the complainant's name).
        .exclude(by_customer & ~identity_q(user))
        .annotate(
            closed=Switch(
                When(status__in=["open", "suspended"], then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("customer", "owner", "responsible_unit", "rulebook_version")
        .defer("rulebook_version__source_text", "description")
        .order_by("closed", "-received_at", "-id")[:limit]
    )


@login_required
@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY].replace("\x00", "")
    customers: list[Customer] = []
    cases: list[Case] = []
    if len(query) >= 2:
        customers = search_customers(query, request.user)
        cases = list(search_cases(query, request.user))
        nearest = next_deadline_for_cases(c.pk for c in cases)
        now, engines = timezone.now(), Engines()
        for case in cases:
            clock = nearest.get(case.pk)
            case.deadline_row = clock_row(clock, now, engines, case) if clock else None
    context = {
        "query": query,
        "customers": customers,
        "cases": cases,
        "searched": len(query) >= 2,
        "phone": _phone_part(query),
    }
    return render(request, "web/search.html", context)
