"""Server-rendered screens. Views read through `Case.objects.visible_to` and write only through services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from io import BytesIO
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from kefu.cases.models import Case, identity_q
from kefu.cases.selectors import field_filter
from kefu.cases.services import (
    case_add_attachment,
    case_register,
)
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.core.inputs import is_id
from kefu.customers.models import Customer
from kefu.customers.selectors import customer_search
from kefu.customers.services import customer_create
from kefu.customers.validators import normalize_phone
from kefu.org.models import User
from kefu.org.paths import unit_paths
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.selectors import active_rulebooks
from kefu.sla.choices import NoticeKind
from kefu.sla.inbox import notification_mark_read, notifications_mark_all_read
from kefu.sla.models import Clock
from kefu.sla.notify import target_labels
from kefu.sla.reminders import clock_remind
from kefu.sla.selectors import (
    Engines,
    board_allowed,
    inbox,
    next_deadline_for_cases,
    next_deadline_subquery,
    overdue_board,
)
from kefu.web.case_views import add_service_errors as _add_service_errors
from kefu.web.deadlines import clock_row
from kefu.web.fieldforms import FIELD_PREFIX
from kefu.web.filterforms import stage_filter
from kefu.web.forms import (
    BoardFilterForm,
    IntakeForm,
    QueueFilterForm,
)
from kefu.web.intake_guard import caller_cases, case_for_token, new_form_token, usable_token
from kefu.web.intake_views import intake_checks, intake_initial
from kefu.web.templatetags.kefu_web import rb_label
from kefu.web.workviews import VIEWS, apply_view, default_view, view_counts

PAGE_SIZE = 30
SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "received": ("received_at", "id"),
    "-received": ("-received_at", "-id"),
    "stage": ("stage", "-received_at", "-id"),
    "-stage": ("-stage", "-received_at", "-id"),
    # Nearest deadline of the case's running clocks (see next_deadline_subquery for the cost at scale);
    # cases without a running clock come last either way.
    "deadline": (F("next_deadline").asc(nulls_last=True), "id"),
    "-deadline": (F("next_deadline").desc(nulls_last=True), "-id"),
}
CASE_NUMBER = re.compile(r"^[A-Za-z]{0,8}\d{4,}$")


# --------------------------------------------------------------------------------------------------
# Queue


@dataclass
class CheapPage:
    """A page that knows whether there is a next one without counting every row (no COUNT(*))."""

    object_list: list[Case]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _cheap_page(qs: QuerySet[Case], page: str | None, size: int) -> CheapPage:
    number = int(page) if page and is_id(page) and int(page) < 100_000 else 1
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return CheapPage(object_list=rows[:size], number=number, has_next=len(rows) > size)


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filter_queue(qs: QuerySet[Case], data: dict[str, Any], user: User) -> QuerySet[Case]:
    for name in ("status", "case_type", "channel"):
        if data.get(name):
            qs = qs.filter(**{name: data[name]})
    if data.get("stage"):
        qs = qs.filter(stage_filter(data["stage"]))
    if data.get("mine"):
        qs = qs.filter(Q(owner=user) | Q(assignee=user) | Q(receiver=user))
    if data.get("received_from"):
        qs = qs.filter(received_at__gte=_day_start(data["received_from"]))
    if data.get("received_to"):
        qs = qs.filter(received_at__lt=_day_start(data["received_to"] + timedelta(days=1)))
    for name, value in data.items():
        if name.startswith(FIELD_PREFIX) and value:
            qs = field_filter(qs, name.removeprefix(FIELD_PREFIX), value)
    q = (data.get("q") or "").strip()
    if q:
        # By number or title, or by the customer's name or phone — but an anonymous case is never found
        # by its complainant's name or phone by someone who may not see who that is (001 篇10 第十九条).
        digits = normalize_phone(q)
        who = Q(name__icontains=q)
        if digits.isdigit() and len(digits) >= 7:
            who |= Q(contacts__phone__contains=digits)
        complainants = Customer.objects.filter(who).values("pk")
        own = Q(number__startswith=q.upper()) if CASE_NUMBER.match(q) else Q(title__icontains=q)
        qs = qs.filter(own | Q(customer_id__in=complainants)).exclude(
            Q(customer_id__in=complainants) & ~identity_q(user)
        )
    return qs


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None, rulebooks=active_rulebooks())
    qs = Case.objects.visible_to(request.user)
    if form.is_valid():
        qs = _filter_queue(qs, form.cleaned_data, request.user)
    # Saved views (kefu/web/workviews.py): agents and handlers land on their own to-do.
    view = request.GET.get("view", default_view(request.user) if not request.GET else "")
    view = view if view in VIEWS else ""
    qs = apply_view(qs, view, request.user)
    sort = request.GET.get("sort", "-received")
    sort = sort if sort in SORTS else "-received"
    if sort in ("deadline", "-deadline"):
        qs = qs.annotate(next_deadline=next_deadline_subquery())
    qs = (
        qs.order_by(*SORTS[sort])
        .select_related("customer", "owner", "responsible_unit", "rulebook_version")
        .defer("rulebook_version__document", "rulebook_version__source_text", "description")
    )
    page = _cheap_page(qs, request.GET.get("page"), PAGE_SIZE)
    # The page's nearest deadlines in one query (plus one stamp query per working calendar).
    nearest = next_deadline_for_cases(case.pk for case in page.object_list)
    now, engines = timezone.now(), Engines()
    for case in page.object_list:
        clock = nearest.get(case.pk)
        case.deadline_row = clock_row(clock, now, engines, case) if clock else None
    # The views' counts come in a fragment after the page (queue_views_view): the queue itself never counts.
    views = [{"key": k, "label": label} for k, label in VIEWS.items()]
    context = {"form": form, "page": page, "sort": sort, "view": view, "views": views, "lazy": True}
    return render(request, "web/queue.html", context)


@login_required
@require_GET
def queue_views_view(request: HttpRequest) -> HttpResponse:
    """htmx: the saved views with how many open cases each holds (one aggregate query + approvals)."""
    counts = view_counts(request.user)
    view = request.GET.get("view", "")
    views = [{"key": k, "label": label, "count": counts[k]} for k, label in VIEWS.items()]
    return render(request, "web/partials/queue_views.html", {"views": views, "view": view if view in VIEWS else ""})


EXPORT_MAX_ROWS = 10_000


def _export_field_defs(docs: list[Any], case_type: str) -> list[Any]:
    """The form fields of `case_type` in the active rulebooks, each key once (first rulebook's label)."""
    seen: dict[str, Any] = {}
    for doc in docs:
        type_def = doc.case_types.get(case_type) if case_type else None
        for definition in type_def.fields if type_def else []:
            seen.setdefault(definition.key, definition)
    return list(seen.values())


@login_required
@require_GET
def queue_export(request: HttpRequest) -> HttpResponse:
    """The queue with its filters as an Excel sheet (the first EXPORT_MAX_ROWS rows), with the chosen case
    type's form fields as columns. Only cases the person may see, like the queue."""
    from kefu.reports.xlsx import cases_workbook  # openpyxl only in the worker that makes a workbook

    rulebooks = list(active_rulebooks())
    docs = [rb.active_version.doc for rb in rulebooks]
    form = QueueFilterForm(request.GET or None, rulebooks=rulebooks)
    qs = Case.objects.visible_to(request.user)
    case_type = ""
    if form.is_valid():
        qs = _filter_queue(qs, form.cleaned_data, request.user)
        case_type = form.cleaned_data.get("case_type") or ""
    rows = list(
        qs.order_by("-received_at", "-id")
        .select_related("customer", "owner", "responsible_unit", "rulebook_version")
        .defer("rulebook_version__document", "rulebook_version__source_text", "description")[: EXPORT_MAX_ROWS + 1]
    )
    # The sheet is filed with departments like the monthly table: always in Chinese.
    with translation.override("zh-hans"):
        workbook = cases_workbook(
            rows[:EXPORT_MAX_ROWS],
            field_defs=_export_field_defs(docs, case_type),
            truncated=len(rows) > EXPORT_MAX_ROWS,
        )
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="kefu-cases-{stamp}.xlsx"'
    return response


# --------------------------------------------------------------------------------------------------
# Intake


def _intake_rulebooks() -> tuple[dict[str, Any], str]:
    books = active_rulebooks()
    if not books:
        return {}, ""
    default = next((b for b in books if b.is_default), None) or next(
        (b for b in books if b.key == settings.KEFU_DEFAULT_RULEBOOK), books[0]
    )
    return {b.key: b.active_version.doc for b in books}, default.key


_CUSTOMER_FIELDS = {"name": "new_name", "customer_type": "new_type", "grade": "new_grade", "region": "new_region"}


class _AlreadyRegistered(Exception):
    """This form's token already registered a case: undo this submit's writes and show that case."""

    def __init__(self, case: Case) -> None:
        self.case = case


def _register_from_intake(request: HttpRequest, data: dict[str, Any], fields: dict[str, Any], token: str = "") -> Case:
    with transaction.atomic():
        customer = data["customer"]
        if customer is None:
            customer = customer_create(
                name=data["new_name"],
                phone=data["new_phone"],
                customer_type=data["new_type"],
                grade=data["new_grade"],
                region=data["new_region"],
                is_overseas=data["new_overseas"],
                actor=request.user,
            )
        case, _created = case_register(
            actor=request.user,
            rulebook_key=data["rulebook"],
            case_type=data["case_type"],
            category=data["category"],
            severity=data["severity"],
            channel=data["channel"],
            customer=customer,
            title=data["title"],
            description=data["description"],
            customer_request=data["customer_request"],
            subject_person=data["subject_person"],
            is_anonymous=data["is_anonymous"],
            fields=fields,
            idempotency_key=token,
        )
        if not _created:
            raise _AlreadyRegistered(case)
        if data.get("attachment"):
            case_add_attachment(case=case, actor=request.user, file=data["attachment"])
    return case


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    rulebooks, default_key = _intake_rulebooks()
    if not rulebooks:
        return render(request, "web/intake.html", {"form": None})
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        rulebooks=rulebooks,
        default_key=default_key,
        user=request.user,
        initial=intake_initial(request.GET) if request.method != "POST" else None,
    )
    # The one-time form token (kefu/web/intake_guard.py): a double submit or Back + submit registers one case.
    token = usable_token(request.POST.get("form_token")) if request.method == "POST" else new_form_token()
    done = case_for_token(request.user, token) if request.method == "POST" else None
    if done is not None:
        messages.info(request, _("Case %(number)s was already registered from this form.") % {"number": done.number})
        return redirect("web:case", number=done.number)
    checks: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid() and not (checks := intake_checks(request, form)):
        try:
            case = _register_from_intake(request, form.cleaned_data, form.field_values(), token)
        except _AlreadyRegistered as exc:
            messages.info(
                request, _("Case %(number)s was already registered from this form.") % {"number": exc.case.number}
            )
            return redirect("web:case", number=exc.case.number)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"phone": exc.messages}
            for name, msgs in errors.items():
                for msg in msgs:
                    form.add_error(_CUSTOMER_FIELDS.get(name, "new_phone" if name == "phone" else None), msg)
        except ApplicationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s was registered.") % {"number": case.number})
            return redirect("web:case", number=case.number)
    picked = form["customer"].value() if form.is_bound else request.GET.get("customer")
    customers = customer_search_by_pk(picked, request.user)
    if checks.get("existing") is not None and checks["existing"] not in customers:
        customers.append(checks["existing"])
    new_customer_open = (form.is_bound and not picked) or bool(form["new_phone"].value() or form["new_name"].value())
    context = {
        "form": form,
        "customers": customers,
        "picked": str(picked or ""),
        "new_customer_open": new_customer_open,
        "form_token": token,
        "cases_by_customer": caller_cases(customers, request.user, doc=form.doc),
        **checks,
    }
    return render(request, "web/intake.html", context)


def customer_search_by_pk(pk: Any, user: User) -> list[Customer]:
    if not is_id(pk):
        return []
    return list(Customer.objects.visible_to(user).filter(pk=pk).prefetch_related("contacts"))


@login_required
@require_GET
def intake_customers(request: HttpRequest) -> HttpResponse:
    """htmx: customers whose phone (any part), name or number matches what the agent typed."""
    query = request.GET.get("q", "").strip()
    customers = list(customer_search(query=query, user=request.user, limit=10)) if len(query) >= 2 else []
    picked = str(customers[0].pk) if len(customers) == 1 else ""
    context = {
        "customers": customers,
        "picked": picked,
        "query": query,
        "searched": len(query) >= 2,
        "cases_by_customer": caller_cases(customers, request.user),
    }
    return render(request, "web/partials/customer_results.html", context)


@login_required
@require_GET
def intake_options(request: HttpRequest) -> HttpResponse:
    """htmx: the case type / category / severity fields of the chosen rulebook and case type."""
    rulebooks, default_key = _intake_rulebooks()
    if not rulebooks:
        raise Http404
    form = IntakeForm(
        rulebooks=rulebooks,
        default_key=default_key,
        rulebook_key=request.GET.get("rulebook"),
        case_type=request.GET.get("case_type"),
        category=request.GET.get("category"),
    )
    part = request.GET.get("part")
    # "details": what depends on the case type (category, channel, form fields); else the whole block.
    template = {"category": "intake_category", "details": "intake_details"}.get(part, "intake_types")
    return render(request, f"web/partials/{template}.html", {"form": form})


# --------------------------------------------------------------------------------------------------
# Overdue / escalation board and inbox


@login_required
@require_POST
def board_remind_view(request: HttpRequest, clock_id: int) -> HttpResponse:
    """催办 from the board: remind the handler of a late case (kefu.sla.reminders), back to the board."""
    if not board_allowed(request.user):
        raise PermissionDenied
    clock = Clock.objects.select_related("case").filter(pk=clock_id).first()
    if clock is None or not Case.objects.visible_to(request.user).filter(pk=clock.case_id).exists():
        raise Http404
    try:
        clock_remind(clock=clock, actor=request.user)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message)
    except ApplicationError as exc:  # not running any more, or reminded within the hour (409)
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("Reminder sent for %(number)s.") % {"number": clock.case.number})
    back = request.POST.get("next") or ""
    if back.startswith("/board/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("web:board")


def _board_filtered(groups: list[Any], *, state: str, unit: Any) -> list[Any]:
    """The board's rows of one state ("overdue" / "warning") and/or of a unit and the units below it;
    the groups' counts follow. The board holds at most BOARD_LIMIT rows, so this is a short loop."""
    kept = []
    for group in groups:
        if unit is not None and (group.unit is None or not group.unit.path.startswith(unit.path)):
            continue
        group.rows = [r for r in group.rows if not state or r["state"] == state]
        if not group.rows:
            continue
        group.overdue = sum(1 for r in group.rows if r["state"] == "overdue")
        group.warning = len(group.rows) - group.overdue
        kept.append(group)
    return kept


@login_required
@require_GET
def board_view(request: HttpRequest) -> HttpResponse:
    if not board_allowed(request.user):
        raise PermissionDenied
    now = timezone.now()
    groups, truncated = overdue_board(request.user, now)
    engines = Engines()
    for group in groups:
        for row in group.rows:
            row.update(clock_row(row["clock"], now, engines, row["case"]))
            for notice in row["fallbacks"]:
                notice["meant_for"] = target_labels(notice["targets"])
    filters = BoardFilterForm(request.GET or None)
    if filters.is_valid():
        groups = _board_filtered(groups, state=filters.cleaned_data["state"], unit=filters.cleaned_data["unit"])
    context = {
        "filters": filters,
        "groups": groups,
        # "杭州公司 / 售后部": two units called 售后部 are told apart.
        "unit_paths": unit_paths(g.unit for g in groups if g.unit is not None),
        "truncated": truncated,
        "overdue": sum(g.overdue for g in groups),
        "warning": sum(g.warning for g in groups),
        "now": now,
    }
    return render(request, "web/board.html", context)


@login_required
@require_GET
def inbox_view(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    kind = request.GET.get("kind", "")
    kind = kind if kind in NoticeKind.values else ""
    qs = inbox(request.user, unread_only=unread_only)
    if kind:
        qs = qs.filter(kind=kind)
    page = _cheap_page(qs, request.GET.get("page"), PAGE_SIZE)
    context = {"page": page, "unread_only": unread_only, "kind": kind, "kinds": NoticeKind.choices}
    return render(request, "web/inbox.html", context)


@login_required
@require_GET
def inbox_count_view(request: HttpRequest) -> HttpResponse:
    """htmx, every 30 s: the header's unread badge (a tiny fragment, one COUNT on the inbox index)."""
    return render(request, "web/partials/inbox_badge.html")


@login_required
@require_POST
def inbox_read_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        n = notifications_mark_all_read(user=request.user)
        messages.success(
            request, ngettext("%(n)s notification marked as read.", "%(n)s notifications marked as read.", n) % {"n": n}
        )
    elif not notification_mark_read(user=request.user, notification_id=pk):
        raise Http404
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("web:inbox")


# --------------------------------------------------------------------------------------------------
# Unit view


@login_required
@require_GET
def unit_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.sees_unit or user.sees_everything):
        raise PermissionDenied
    qs = Case.objects.visible_to(user).open()
    unit = user.unit
    if unit is not None:
        qs = qs.filter(Q(responsible_unit__path__startswith=unit.path) | Q(receiving_unit__path__startswith=unit.path))
    stage_rows = list(
        qs.values("rulebook_version", "case_type", "stage").annotate(n=Count("id")).order_by("case_type", "stage")
    )
    versions = {v.pk: v for v in RulebookVersion.objects.filter(pk__in={r["rulebook_version"] for r in stage_rows})}
    groups: dict[str, dict[str, Any]] = {}
    for row in stage_rows:
        type_def = versions[row["rulebook_version"]].doc.case_types.get(row["case_type"])
        group = groups.setdefault(
            row["case_type"],
            {"code": row["case_type"], "label": rb_label(type_def) if type_def else row["case_type"], "stages": {}},
        )
        state = type_def.states.get(row["stage"]) if type_def else None
        label = rb_label(state) if state else row["stage"]
        order = list(type_def.states).index(row["stage"]) if state else 999
        stage = group["stages"].setdefault(row["stage"], {"code": row["stage"], "label": label, "n": 0, "order": order})
        stage["n"] += row["n"]
    for group in groups.values():
        group["stages"] = sorted(group["stages"].values(), key=lambda s: s["order"])
        group["total"] = sum(s["n"] for s in group["stages"])
    load: dict[int, dict[str, int]] = {}
    for field in ("owner", "assignee"):
        for row in qs.exclude(**{f"{field}__isnull": True}).values(field).annotate(n=Count("id")).order_by():
            load.setdefault(row[field], {"owner": 0, "assignee": 0})[field] = row["n"]
    people = User.objects.filter(pk__in=load).select_related("unit")
    persons = sorted(
        ({"user": p, **load[p.pk], "total": load[p.pk]["owner"] + load[p.pk]["assignee"]} for p in people),
        key=lambda r: (-r["total"], r["user"].username),
    )
    context = {
        "unit": unit,
        "groups": list(groups.values()),
        "persons": persons,
        "total": sum(r["n"] for r in stage_rows),
    }
    return render(request, "web/unit.html", context)
