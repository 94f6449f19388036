"""Server-rendered screens. Views read through `Case.objects.visible_to` and write only through services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from kefu.cases.choices import CaseStatus
from kefu.cases.models import Case
from kefu.cases.services import (
    case_add_attachment,
    case_add_note,
    case_merge,
    case_register,
    case_reopen,
    case_resume,
    case_suspend,
    case_transfer,
    case_transition,
    case_withdraw,
    transition_allowed,
)
from kefu.core.exceptions import ApplicationError, ConflictError
from kefu.customers.models import Customer
from kefu.customers.selectors import customer_search
from kefu.customers.services import customer_create
from kefu.org.models import User
from kefu.rulebooks.choices import Operation
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.selectors import active_rulebooks
from kefu.sla.inbox import notification_mark_read, notifications_mark_all_read
from kefu.sla.models import Clock
from kefu.sla.selectors import (
    LIVE_STATUSES,
    Engines,
    board_allowed,
    clock_def_for,
    inbox,
    next_deadline_for_cases,
    next_deadline_subquery,
    overdue_board,
)
from kefu.web.deadlines import clock_row
from kefu.web.forms import (
    OPERATION_FORMS,
    ClassificationForm,
    ExtensionForm,
    IntakeForm,
    QueueFilterForm,
    transition_form_class,
)
from kefu.web.templatetags.kefu_web import rb_label

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


def _service_message(text: str) -> str:
    """Service messages are English source text; translate those the catalog knows."""
    return _(text) if text else text


def _add_service_errors(form: Any, exc: ApplicationError) -> None:
    form.add_error(None, _service_message(exc.message))
    for name, errors in (exc.extra or {}).items():
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(name if name in form.fields else None, _service_message(str(error)))


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
    number = int(page) if page and page.isdigit() and 0 < int(page) < 100_000 else 1
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return CheapPage(object_list=rows[:size], number=number, has_next=len(rows) > size)


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filter_queue(qs: QuerySet[Case], data: dict[str, Any], user: User) -> QuerySet[Case]:
    for name in ("status", "case_type", "stage", "channel"):
        if data.get(name):
            qs = qs.filter(**{name: data[name]})
    if data.get("mine"):
        qs = qs.filter(Q(owner=user) | Q(assignee=user) | Q(receiver=user))
    if data.get("received_from"):
        qs = qs.filter(received_at__gte=_day_start(data["received_from"]))
    if data.get("received_to"):
        qs = qs.filter(received_at__lt=_day_start(data["received_to"] + timedelta(days=1)))
    q = (data.get("q") or "").strip()
    if q and CASE_NUMBER.match(q):
        qs = qs.filter(number__startswith=q.upper())
    elif q:
        qs = qs.filter(Q(title__icontains=q) | Q(customer__name__icontains=q))
    return qs


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    docs = [rb.active_version.doc for rb in active_rulebooks()]
    form = QueueFilterForm(request.GET or None, docs=docs)
    qs = Case.objects.visible_to(request.user)
    if form.is_valid():
        qs = _filter_queue(qs, form.cleaned_data, request.user)
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
    return render(request, "web/queue.html", {"form": form, "page": page, "sort": sort})


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


def _register_from_intake(request: HttpRequest, data: dict[str, Any]) -> Case:
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
        )
        if data.get("attachment"):
            case_add_attachment(case=case, actor=request.user, file=data["attachment"])
    return case


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    rulebooks, default_key = _intake_rulebooks()
    if not rulebooks:
        return render(request, "web/intake.html", {"form": None})
    form = IntakeForm(request.POST or None, request.FILES or None, rulebooks=rulebooks, default_key=default_key)
    if request.method == "POST" and form.is_valid():
        try:
            case = _register_from_intake(request, form.cleaned_data)
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
    picked = form["customer"].value() if form.is_bound else None
    customers = customer_search_by_pk(picked)
    new_customer_open = form.is_bound and not picked
    context = {
        "form": form,
        "customers": customers,
        "picked": str(picked or ""),
        "new_customer_open": new_customer_open,
    }
    return render(request, "web/intake.html", context)


def customer_search_by_pk(pk: Any) -> list[Customer]:
    if not pk or not str(pk).isdigit():
        return []
    return list(Customer.objects.filter(pk=pk).prefetch_related("contacts"))


@login_required
@require_GET
def intake_customers(request: HttpRequest) -> HttpResponse:
    """htmx: customers whose phone (any part), name or number matches what the agent typed."""
    query = request.GET.get("q", "").strip()
    customers = list(customer_search(query=query, limit=10)) if len(query) >= 2 else []
    picked = str(customers[0].pk) if len(customers) == 1 else ""
    return render(
        request,
        "web/partials/customer_results.html",
        {"customers": customers, "picked": picked, "query": query, "searched": len(query) >= 2},
    )


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
    part = "category" if request.GET.get("part") == "category" else "types"
    return render(request, f"web/partials/intake_{part}.html", {"form": form})


# --------------------------------------------------------------------------------------------------
# Case page


def _get_case(request: HttpRequest, number: str) -> Case:
    qs = Case.objects.visible_to(request.user).select_related(
        "customer",
        "contact",
        "rulebook_version",
        "receiver",
        "receiving_unit",
        "owner",
        "responsible_unit",
        "assignee",
        "subject_person",
        "subject_unit",
        "responsible_person",
        "parent",
        "merged_into",
    )
    return get_object_or_404(qs, number=number)


def _may(user: User, case: Case, op: str) -> bool:
    return user.is_superuser or user.role in case.rulebook.operation_roles(op)


def allowed_operations(case: Case, user: User) -> list[str]:
    """The operations outside the state graph this person may take on the case now."""
    live = case.status in (CaseStatus.OPEN, CaseStatus.SUSPENDED)
    ops = []
    if live and (case.owner_id == user.pk or _may(user, case, Operation.TRANSFER)):
        ops.append(Operation.TRANSFER.value)
    if case.status == CaseStatus.OPEN and _may(user, case, Operation.SUSPEND):
        ops.append(Operation.SUSPEND.value)
    if case.status == CaseStatus.SUSPENDED and _may(user, case, Operation.RESUME):
        ops.append(Operation.RESUME.value)
    if live and _may(user, case, Operation.WITHDRAW):
        ops.append(Operation.WITHDRAW.value)
    if case.status == CaseStatus.CLOSED and _may(user, case, Operation.REOPEN):
        ops.append(Operation.REOPEN.value)
    if live and _may(user, case, Operation.MERGE):
        ops.append(Operation.MERGE.value)
    if _may(user, case, Operation.NOTE):
        ops += [Operation.NOTE.value, "attachment"]
    return ops


def _operation_label(op: str) -> str:
    return _("Upload attachment") if op == "attachment" else str(Operation(op).label)


def _render_case(
    request: HttpRequest, case: Case, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    actions = []
    for td in case.type_def.transitions:
        if transition_allowed(case, user, td):
            form = bound.get(f"t:{td.name}") or transition_form_class(td.action)(
                prefix=td.name, initial={"version": case.version}
            )
            actions.append({"td": td, "label": rb_label(td), "form": form, "action": td.action})
    operations = []
    for op in allowed_operations(case, user):
        form_class = OPERATION_FORMS[op]
        form = bound.get(f"op:{op}") or form_class(prefix=f"op-{op}", initial={"version": case.version})
        operations.append({"op": op, "label": _operation_label(op), "form": form})
    context = {
        "case": case,
        "deadlines": _deadline_rows(case, user, bound),
        "classification_form": _classification_form(case, user, bound),
        "actions": actions,
        "operations": operations,
        "open_operation": next((k[3:] for k in bound if k.startswith("op:")), ""),
        "events": case.events.select_related("actor").order_by("id"),
        "notes": case.notes.select_related("author").order_by("created_at"),
        "attachments": case.attachments.select_related("uploaded_by").order_by("created_at"),
        "remedies": case.remedies.select_related("proposed_by").order_by("id"),
        "approvals": case.approvals.select_related("approver").order_by("approval_round", "step"),
        "contacts": list(case.customer.contacts.all()[:3]),
    }
    return render(request, "web/case_detail.html", context, status=status)


def _may_extend(user: User, case: Case, clock: Clock) -> bool:
    if clock.status not in LIVE_STATUSES or case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        return False
    definition = clock_def_for(case, clock.key)
    if definition is None or definition.extension is None:
        return False
    return user.is_superuser or user.role in definition.extension.roles


def _deadline_rows(case: Case, user: User, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """Every clock of the case with its time left, state and notices, and an extension form where
    the rulebook lets this person extend it."""
    clocks = case.clocks.select_related("calendar").prefetch_related("notices").order_by("started_at", "id")
    now, engines = timezone.now(), Engines()
    rows = []
    for clock in clocks:
        row = clock_row(clock, now, engines, case)
        row["notices"] = list(clock.notices.all())
        if _may_extend(user, case, clock):
            row["extension_form"] = bound.get(f"x:{clock.pk}") or ExtensionForm(
                prefix=f"x{clock.pk}", initial={"version": case.version}, clock_unit=clock.unit
            )
        rows.append(row)
    return rows


def _may_classify(user: User, case: Case) -> bool:
    # Mirrors case_update_classification (which decides): owner, handler, or a supervising role.
    from kefu.cases.services import CLASSIFY_ROLES

    live = case.status in (CaseStatus.OPEN, CaseStatus.SUSPENDED)
    return live and (user.pk in (case.owner_id, case.assignee_id) or user.is_superuser or user.role in CLASSIFY_ROLES)


def _classification_form(case: Case, user: User, bound: dict[str, Any]) -> ClassificationForm | None:
    if "classify" in bound:
        return bound["classify"]
    if not _may_classify(user, case):
        return None
    return ClassificationForm(
        prefix="cls",
        doc=case.rulebook,
        case_type=case.case_type,
        initial={"version": case.version, "category": case.category, "severity": case.severity},
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_case(request, _get_case(request, number))


def _after_write(request: HttpRequest, case: Case, success: str) -> HttpResponse:
    messages.success(request, success)
    if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
        return redirect("web:case", number=case.number)
    return redirect("web:queue")


def _conflict(request: HttpRequest, case: Case) -> HttpResponse:
    messages.warning(
        request, _("Someone else changed this case in the meantime. It has been reloaded: check it and try again.")
    )
    return redirect("web:case", number=case.number)


@login_required
@require_POST
def case_transition_view(request: HttpRequest, number: str, name: str) -> HttpResponse:
    case = _get_case(request, number)
    td = case.type_def.transition(name)
    if td is None:
        raise Http404
    form = transition_form_class(td.action)(request.POST, prefix=td.name)
    if form.is_valid():
        try:
            case_transition(
                case=case,
                actor=request.user,
                transition=name,
                expected_version=form.cleaned_data["version"],
                data=form.service_data(),
            )
        except ConflictError:
            return _conflict(request, case)
        except ApplicationError as exc:
            _add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("%(action)s: done.") % {"action": rb_label(td)})
    messages.error(request, _("%(action)s was not done: see the form below.") % {"action": rb_label(td)})
    return _render_case(request, case, bound={f"t:{name}": form}, status=400)


def _run_operation(request: HttpRequest, case: Case, op: str, data: dict[str, Any]) -> None:
    user, version = request.user, data.get("version")
    if op == Operation.TRANSFER:
        case_transfer(
            case=case,
            actor=user,
            expected_version=version,
            new_owner=data["new_owner"],
            unit=data["unit"],
            reason=data["reason"],
        )
    elif op == Operation.SUSPEND:
        case_suspend(case=case, actor=user, expected_version=version, reason=data["reason"])
    elif op == Operation.RESUME:
        case_resume(case=case, actor=user, expected_version=version, reason=data["reason"])
    elif op == Operation.WITHDRAW:
        case_withdraw(case=case, actor=user, expected_version=version, reason=data["reason"])
    elif op == Operation.REOPEN:
        case_reopen(case=case, actor=user, expected_version=version, reason=data["reason"])
    elif op == Operation.MERGE:
        into = Case.objects.visible_to(user).filter(number=data["into"].strip().upper()).first()
        if into is None:
            raise ApplicationError(_("No such case."), extra={"into": [_("No case you can see has this number.")]})
        case_merge(case=case, into=into, actor=user, expected_version=version, reason=data["reason"])
    elif op == Operation.NOTE:
        case_add_note(case=case, actor=user, body=data["body"], visibility=data["visibility"])
    else:
        case_add_attachment(case=case, actor=user, file=data["file"], visibility=data["visibility"])


@login_required
@require_POST
def case_operation_view(request: HttpRequest, number: str, op: str) -> HttpResponse:
    case = _get_case(request, number)
    if op not in OPERATION_FORMS:
        raise Http404
    form = OPERATION_FORMS[op](request.POST, request.FILES, prefix=f"op-{op}")
    if form.is_valid():
        try:
            _run_operation(request, case, op, form.cleaned_data)
        except ConflictError:
            return _conflict(request, case)
        except ApplicationError as exc:
            _add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("%(action)s: done.") % {"action": _operation_label(op)})
    messages.error(request, _("%(action)s was not done: see the form below.") % {"action": _operation_label(op)})
    return _render_case(request, case, bound={f"op:{op}": form}, status=400)


@login_required
@require_POST
def case_extend_view(request: HttpRequest, number: str, clock_id: int) -> HttpResponse:
    case = _get_case(request, number)
    clock = get_object_or_404(Clock.objects.select_related("calendar"), pk=clock_id, case=case)
    form = ExtensionForm(request.POST, prefix=f"x{clock.pk}", clock_unit=clock.unit)
    if form.is_valid():
        from kefu.sla.extensions import clock_extend

        data = form.cleaned_data
        try:
            clock_extend(
                clock=clock,
                actor=request.user,
                amount=data["amount"],
                unit=data["unit"],
                reason=data["reason"],
                expected_version=data["version"],
            )
        except ConflictError:
            return _conflict(request, case)
        except ApplicationError as exc:
            _add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("The deadline was extended."))
    messages.error(request, _("The deadline was not extended: see the form below."))
    return _render_case(request, case, bound={f"x:{clock.pk}": form}, status=400)


@login_required
@require_POST
def case_classify_view(request: HttpRequest, number: str) -> HttpResponse:
    case = _get_case(request, number)
    form = ClassificationForm(request.POST, prefix="cls", doc=case.rulebook, case_type=case.case_type)
    if form.is_valid():
        from kefu.cases.services import case_update_classification

        data = form.cleaned_data
        try:
            case_update_classification(
                case=case,
                actor=request.user,
                expected_version=data["version"],
                category=data["category"],
                severity=data["severity"],
                reason=data["reason"],
            )
        except ConflictError:
            return _conflict(request, case)
        except ApplicationError as exc:
            _add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("The classification was changed and the deadlines recomputed."))
    messages.error(request, _("The classification was not changed: see the form below."))
    return _render_case(request, case, bound={"classify": form}, status=400)


# --------------------------------------------------------------------------------------------------
# Overdue / escalation board and inbox


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
    context = {
        "groups": groups,
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
    page = _cheap_page(inbox(request.user, unread_only=unread_only), request.GET.get("page"), PAGE_SIZE)
    return render(request, "web/inbox.html", {"page": page, "unread_only": unread_only})


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
