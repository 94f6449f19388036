"""The case page and its forms: transitions, operations, deadlines (extend, promise), classification and
form fields. Views read through `Case.objects.visible_to` and write only through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.cases.changes import actor_may_act
from kefu.cases.choices import CaseStatus
from kefu.cases.models import Case, CaseAttachment
from kefu.cases.selectors import IdentityRedactor, field_rows
from kefu.cases.services import (
    Revealed,
    case_add_attachment,
    case_add_note,
    case_attachment_open,
    case_merge,
    case_reopen,
    case_resume,
    case_reveal_customer,
    case_suspend,
    case_transfer,
    case_transition,
    case_update_fields,
    case_withdraw,
    may_open_attachment,
    may_reveal_customer,
    transition_allowed,
)
from kefu.cases.services.fields import may_edit_field
from kefu.cases.textchecks import TextCheckError
from kefu.core.exceptions import ApplicationError, ConflictError
from kefu.core.uploads import attachment_content_type, download_response
from kefu.org.models import User
from kefu.org.paths import unit_paths
from kefu.rulebooks.choices import Operation
from kefu.sla.extensions import clock_extend, clock_promise
from kefu.sla.models import Clock
from kefu.sla.selectors import clock_def_for
from kefu.web.case_deadlines import deadline_rows
from kefu.web.case_parts import BACKWARD_ACTIONS, remedy_initial, timeline, typed_texts
from kefu.web.combined import establish_then_route
from kefu.web.fieldforms import service_error_target
from kefu.web.forms import (
    OPERATION_FORMS,
    CaseFieldsForm,
    ClassificationForm,
    ExtensionForm,
    PromiseForm,
    transition_form,
)
from kefu.web.nextstep import next_step
from kefu.web.templatetags.kefu_web import rb_label

__all__ = (
    "add_service_errors",
    "allowed_operations",
    "case_attachment_view",
    "case_classify_view",
    "case_detail",
    "case_extend_view",
    "case_fields_view",
    "case_operation_view",
    "case_promise_view",
    "case_reveal_view",
    "case_transition_view",
)


def _service_message(text: str) -> str:
    """Service messages are English source text; translate those the catalog knows."""
    return _(text) if text else text


def add_service_errors(form: Any, exc: ApplicationError) -> None:
    if isinstance(exc, TextCheckError) and hasattr(form, "show_text_check_findings"):
        form.show_text_check_findings(exc.findings)  # the hits inline, and the override box
    form.add_error(None, _service_message(exc.message))
    for name, errors in (exc.extra or {}).items():
        target = service_error_target(name) or ("upload" if name == "attachment" else name)
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(target if target in form.fields else None, _service_message(str(error)))


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
    ops: list[str] = []
    if not actor_may_act(case, user):
        return ops  # e.g. the receiver after a transfer: reads the case, acts no more
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


def _redacted(case: Case, context: dict[str, Any]) -> None:
    """Blank an anonymous complainant's name and numbers wherever staff typed them into the case
    (in memory, for this page only); the customer block shows "匿名投诉人" until a logged "show"."""
    redactor = IdentityRedactor.for_case(case)
    if not redactor:
        return
    for field in ("title", "description", "customer_request", "reply", "cause", "return_visit_note", "review_summary"):
        setattr(case, field, redactor.text(getattr(case, field)))
    for key, attr in (("events", "message"), ("notes", "body"), ("attachments", "name"), ("approvals", "comment")):
        rows = list(context[key])
        for row in rows:
            setattr(row, attr, redactor.text(getattr(row, attr)))
        context[key] = rows
    for remedy in context["remedies"]:
        remedy.description = redactor.text(remedy.description)


def _render_case(
    request: HttpRequest,
    case: Case,
    bound: dict[str, Any] | None = None,
    status: int = 200,
    revealed: Revealed | None = None,
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    actions = []
    for td in case.type_def.transitions:
        if transition_allowed(case, user, td):
            # 成立 and 转部门 in one form where the rulebook allows it (kefu/web/combined.py); then the
            # combined step is the primary button and establishing alone the secondary one.
            then = establish_then_route(case, user, td)
            if then is not None:
                key = f"{td.name}-{then.name}"
                actions.append(
                    {
                        "td": td,
                        "key": key,
                        "label": _("%(first)s and %(then)s") % {"first": rb_label(td), "then": rb_label(then)},
                        "form": bound.get(f"t:{key}")
                        or transition_form(case, then, prefix=key, initial={"version": case.version}),
                        "action": then.action,
                        "url": reverse("web:case_establish_route", args=[case.number, td.name, then.name]),
                        "secondary": False,
                    }
                )
            form = bound.get(f"t:{td.name}") or transition_form(
                case, td, prefix=td.name, initial={"version": case.version, **remedy_initial(case, td)}
            )
            actions.append(
                {
                    "td": td,
                    "key": td.name,
                    "label": rb_label(td),
                    "form": form,
                    "action": td.action,
                    "url": reverse("web:case_transition", args=[case.number, td.name]),
                    # Of two opposite outcomes only the forward one is the primary button.
                    "secondary": td.action in BACKWARD_ACTIONS or then is not None,
                }
            )
    kept = [key for key in bound if key.startswith("t:") and key[2:] not in {a["key"] for a in actions}]
    operations = []
    for op in allowed_operations(case, user):
        form_class = OPERATION_FORMS[op]
        form = bound.get(f"op:{op}") or form_class(prefix=f"op-{op}", initial={"version": case.version})
        operations.append({"op": op, "label": _operation_label(op), "form": form})
    context = {
        "case": case,
        "deadlines": deadline_rows(case, user, bound),
        "classification_form": _classification_form(case, user, bound),
        "field_rows": field_rows(case),
        "fields_form": _fields_form(case, user, bound),
        "actions": actions,
        "operations": operations,
        "open_operation": next((k[3:] for k in bound if k.startswith("op:")), ""),
        "events": timeline(case),
        "next_step": next_step(case),
        "follow_ups": list(case.follow_ups.order_by("received_at", "id").only("number", "title", "stage", "status")),
        "unit_paths": unit_paths(u for u in (case.receiving_unit, case.responsible_unit, case.subject_unit) if u),
        "stale_texts": [text for key in kept for text in typed_texts(bound[key])],
        "notes": case.notes.select_related("author").order_by("created_at"),
        "attachments": case.attachments.select_related("uploaded_by").order_by("created_at"),
        "remedies": case.remedies.select_related("proposed_by").order_by("id"),
        "approvals": case.approvals.select_related("approver").order_by("approval_round", "id"),
        "supervisors": case.supervisors.select_related("user").order_by("added_at", "id"),
        "contacts": list(case.customer.contacts.all()[:3]),
        "revealed": revealed,
        "may_reveal": may_reveal_customer(case, user),
    }
    if case.is_anonymous and revealed is None:
        _redacted(case, context)
    for attachment in context["attachments"]:
        attachment.may_open = may_open_attachment(case, attachment, user)
    return render(request, "web/case_detail.html", context, status=status)


def _fields_form(case: Case, user: User, bound: dict[str, Any]) -> CaseFieldsForm | None:
    """The form fields this person may change on this case (none: no form)."""
    if "fields" in bound:
        return bound["fields"]
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED) or not actor_may_act(case, user):
        return None
    editable = [d for d in case.type_def.fields if may_edit_field(case, user, d)]
    if not editable:
        return None
    return CaseFieldsForm(prefix="flds", case=case, definitions=editable, initial={"version": case.version})


def _may_classify(user: User, case: Case) -> bool:
    # Mirrors case_update_classification (which decides): owner, handler, or a supervising role.
    from kefu.cases.services import CLASSIFY_ROLES

    live = case.status in (CaseStatus.OPEN, CaseStatus.SUSPENDED)
    return (
        live
        and actor_may_act(case, user)
        and (user.pk in (case.owner_id, case.assignee_id) or user.is_superuser or user.role in CLASSIFY_ROLES)
    )


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


@login_required
@require_POST
def case_reveal_view(request: HttpRequest, number: str) -> HttpResponse:
    """The logged "show": the complainant of an anonymous case, or a customer's full numbers."""
    case = _get_case(request, number)
    try:
        revealed = case_reveal_customer(case=case, actor=request.user, surface="web", path=request.path)
    except ApplicationError as exc:
        raise PermissionDenied(exc.message)
    return _render_case(request, case, revealed=revealed)


@login_required
@require_GET
def case_attachment_view(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Download an attachment of a case this person may see (always as a download, never rendered)."""
    case = _get_case(request, number)
    attachment = get_object_or_404(CaseAttachment, pk=pk, case=case)
    try:
        case_attachment_open(case=case, attachment=attachment, actor=request.user, surface="web", path=request.path)
    except ApplicationError as exc:
        raise PermissionDenied(exc.message)
    return download_response(
        attachment.file, name=attachment.name, content_type=attachment_content_type(attachment.name)
    )


def _after_write(request: HttpRequest, case: Case, success: str) -> HttpResponse:
    messages.success(request, success)
    if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
        return redirect("web:case", number=case.number)
    return redirect("web:queue")


def _conflict(request: HttpRequest, case: Case, key: str, rebind: Any) -> HttpResponse:
    """Someone else changed the case first: show the case as it is now with what this person typed
    still in the form (bound to the fresh version), so nothing typed is lost (HTTP 409)."""
    fresh = _get_case(request, case.number)
    data = request.POST.copy()
    form = rebind(data, fresh)
    data[form.add_prefix("version")] = str(fresh.version)
    messages.warning(
        request,
        _(
            "Someone else changed this case in the meantime. The page shows it as it is now and what you "
            "typed is kept: check it and send it again."
        ),
    )
    return _render_case(request, fresh, bound={key: form}, status=409)


@login_required
@require_POST
def case_transition_view(request: HttpRequest, number: str, name: str) -> HttpResponse:
    case = _get_case(request, number)
    td = case.type_def.transition(name)
    if td is None:
        raise Http404
    form = transition_form(case, td, request.POST, request.FILES, prefix=td.name)
    if form.is_valid():
        data = form.service_data()
        upload = form.upload()
        try:
            updated = case_transition(
                case=case,
                actor=request.user,
                transition=name,
                expected_version=form.cleaned_data["version"],
                data=data,
                upload=upload,
                upload_fields=form.attachment_keys,
            )
        except ConflictError:
            return _conflict(
                request,
                case,
                f"t:{name}",
                lambda data, fresh: transition_form(fresh, td, data, prefix=td.name),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            done = _("%(action)s: recorded.") % {"action": rb_label(td)}
            return _after_write(request, case, f"{done} {next_step(updated).text}")
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
        case_add_note(
            case=case,
            actor=user,
            body=data["body"],
            visibility=data["visibility"],
            override_text_checks=bool(data.get("override_text_checks")),
        )
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
            return _conflict(
                request, case, f"op:{op}", lambda data, fresh: OPERATION_FORMS[op](data, prefix=f"op-{op}")
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("%(action)s: done.") % {"action": _operation_label(op)})
    messages.error(request, _("%(action)s was not done: see the form below.") % {"action": _operation_label(op)})
    return _render_case(request, case, bound={f"op:{op}": form}, status=400)


@login_required
@require_POST
def case_extend_view(request: HttpRequest, number: str, clock_id: int) -> HttpResponse:
    case = _get_case(request, number)
    clock = get_object_or_404(Clock.objects.select_related("calendar"), pk=clock_id, case=case)
    definition = clock_def_for(case, clock.key)
    consent = definition.extension.customer_consent if definition and definition.extension else "none"
    form = ExtensionForm(request.POST, prefix=f"x{clock.pk}", clock_unit=clock.unit, consent=consent)
    if form.is_valid():
        data = form.cleaned_data
        try:
            clock_extend(
                clock=clock,
                actor=request.user,
                amount=data["amount"],
                unit=data["unit"],
                reason=data["reason"],
                expected_version=data["version"],
                customer_consent=form.consent(),
            )
        except ConflictError:
            return _conflict(
                request,
                case,
                f"x:{clock.pk}",
                lambda data, fresh: ExtensionForm(data, prefix=f"x{clock.pk}", clock_unit=clock.unit, consent=consent),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("The deadline was extended."))
    messages.error(request, _("The deadline was not extended: see the form below."))
    return _render_case(request, case, bound={f"x:{clock.pk}": form}, status=400)


@login_required
@require_POST
def case_fields_view(request: HttpRequest, number: str) -> HttpResponse:
    case = _get_case(request, number)
    editable = [d for d in case.type_def.fields if may_edit_field(case, request.user, d)]
    form = CaseFieldsForm(request.POST, prefix="flds", case=case, definitions=editable)
    if form.is_valid():
        try:
            case_update_fields(
                case=case,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                values=form.values(),
                reason=form.cleaned_data["reason"],
            )
        except ConflictError:
            return _conflict(
                request,
                case,
                "fields",
                lambda data, fresh: CaseFieldsForm(data, prefix="flds", case=fresh, definitions=editable),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("The form fields were saved."))
    messages.error(request, _("The form fields were not saved: see the form below."))
    return _render_case(request, case, bound={"fields": form}, status=400)


@login_required
@require_POST
def case_promise_view(request: HttpRequest, number: str, clock_id: int) -> HttpResponse:
    case = _get_case(request, number)
    clock = get_object_or_404(Clock.objects.select_related("calendar"), pk=clock_id, case=case)
    form = PromiseForm(request.POST, prefix=f"p{clock.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            clock_promise(
                clock=clock,
                actor=request.user,
                deadline=data["deadline"],
                reason=data["reason"],
                expected_version=data["version"],
            )
        except ConflictError:
            return _conflict(
                request, case, f"p:{clock.pk}", lambda data, fresh: PromiseForm(data, prefix=f"p{clock.pk}")
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("The promised time was set."))
    messages.error(request, _("The promised time was not set: see the form below."))
    return _render_case(request, case, bound={f"p:{clock.pk}": form}, status=400)


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
            return _conflict(
                request,
                case,
                "classify",
                lambda data, fresh: ClassificationForm(
                    data, prefix="cls", doc=fresh.rulebook, case_type=fresh.case_type
                ),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_write(request, case, _("The classification was changed and the deadlines recomputed."))
    messages.error(request, _("The classification was not changed: see the form below."))
    return _render_case(request, case, bound={"classify": form}, status=400)
