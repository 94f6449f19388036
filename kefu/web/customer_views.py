"""The customer page for staff: profile (tier and why, tags, keeper), contacts with roles and
birthdays, addresses and unit files, equipment and contracts, every case (open first) with its
deadline, and one timeline of the file, its cases, work orders, visits and survey answers; and the
今日关怀 list of greetings to make.

The customer comes from `Customer.objects.visible_to`; the cases from `Case.objects.visible_to` and,
for anonymous complaints, only those whose complainant the reader may see (`identity_q`), so an
anonymous complaint is never tied to its complainant's file for anyone else (001 篇10 第十九条). The
timeline's sources apply the same rule (kefu.customers.timeline). Phone numbers, e-mails, the ID
number and the birth year are masked; the roles that call or visit customers
(`kefu.customers.choices.CONTACT_ROLES`) may "show" them, which writes a `PersonalDataAccess` row
(`customer_reveal_contacts`, the same log as the API's and the admin's).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case as Switch
from django.db.models import IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.cases.models import Case, identity_q
from kefu.core.exceptions import ForbiddenError
from kefu.customers.care import care_task_done, care_tasks_for
from kefu.customers.choices import CareChannel
from kefu.customers.masking import mask_email, mask_id_number, mask_phone
from kefu.customers.models import CareTask, Customer
from kefu.customers.services import (
    customer_reveal_contacts,
    customer_tag,
    customer_untag,
    may_edit_file,
    may_reveal_contacts,
)
from kefu.customers.timeline import customer_timeline, decode_cursor, encode_cursor, file_panels
from kefu.sla.selectors import Engines, next_deadline_for_cases
from kefu.web.deadlines import clock_row

__all__ = ("care_today", "customer_detail")

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


def _tag_change(request: HttpRequest, customer: Customer, action: str) -> str:
    """Add or remove a tag; returns a refusal in words, or ""."""
    if not may_edit_file(request.user, customer):
        return _("Your role may read this file but not tag it.")
    name = request.POST.get("tag", "")
    try:
        if action == "tag":
            customer_tag(customer=customer, name=name, actor=request.user)
        else:
            customer_untag(customer=customer, name=name, actor=request.user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def customer_detail(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the page with masked numbers. POST action=reveal (the "show" button): the same page with the
    full numbers, after the access is logged; refused (403) for roles that see masked numbers only.
    POST action=tag/untag: change the tags, then back to the page."""
    customer = get_object_or_404(
        Customer.objects.visible_to(request.user)
        .select_related("owner")
        .prefetch_related("contacts", "addresses", "units", "tags"),
        code=code,
    )
    revealed = False
    status = 200
    refusal = ""
    if request.method == "POST":
        action = request.POST.get("action", "reveal")
        if action in ("tag", "untag"):
            refusal = _tag_change(request, customer, action)
            if not refusal:
                messages.success(request, _("Tags saved."))
                return redirect("web:customer", code=customer.code)
            status = 400
        else:
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
        birthday = contact.birthday
        contact.shown_birthday = "" if not birthday else f"{birthday:%Y-%m-%d}" if revealed else f"{birthday:%m-%d}"
    try:
        before = decode_cursor(request.GET.get("before", ""))
    except ValueError:
        before = None
    page = customer_timeline(customer, request.user, before=before, limit=TIMELINE_SHOWN)
    context = {
        "customer": customer,
        "contacts": contacts,
        "id_shown": customer.id_number if revealed else mask_id_number(customer.id_number),
        "addresses": list(customer.addresses.all()),
        "units": list(customer.units.all()),
        "tags": list(customer.tags.all()),
        "panels": file_panels(customer, request.user),
        "cases": cases,
        "open_count": sum(1 for c in cases if c.status in ("open", "suspended")),
        "timeline": page.entries,
        "timeline_next": encode_cursor(page.next_cursor),
        "timeline_older": before is not None,
        "revealed": revealed,
        "may_reveal": may_reveal_contacts(request.user),
        "may_edit": may_edit_file(request.user, customer),
        "refusal": refusal,
    }
    return render(request, "web/customer.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def care_today(request: HttpRequest) -> HttpResponse:
    """今日关怀: the greetings the reader is to make; POST marks one done with the channel used."""
    refusal, status = "", 200
    if request.method == "POST":
        task = get_object_or_404(CareTask.objects.select_related("customer"), pk=request.POST.get("task") or 0)
        try:
            care_task_done(task=task, actor=request.user, channel=request.POST.get("channel", ""))
            messages.success(request, _("Greeting recorded."))
            return redirect("web:care")
        except ForbiddenError as exc:
            refusal, status = str(exc), 403
        except ValidationError as exc:
            refusal, status = " ".join(exc.messages), 400
    today = timezone.localdate()
    tasks = list(care_tasks_for(request.user, today=today))
    for task in tasks:
        task.shown_phone = mask_phone(task.contact.phone)
        task.is_late = task.occasion_date < today
        task.is_today = task.occasion_date == today
    context = {"tasks": tasks, "channels": CareChannel.choices, "today": today, "refusal": refusal}
    return render(request, "web/care.html", context, status=status)
