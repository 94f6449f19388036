"""Exports screens: the import page (upload → dry-run report → confirm), the customer export (at once,
or as a request for approval), the requests with their decision and download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.exceptions import ApplicationError
from kefu.customers.imports import COLUMNS, MAX_FILE_BYTES, MAX_ROWS, ImportRefused, import_check
from kefu.exports.api.views import file_response
from kefu.exports.choices import RequestStatus
from kefu.exports.forms import DecisionForm, ExportForm, ImportForm
from kefu.exports.models import ImportUpload
from kefu.exports.rules import data_release_rules
from kefu.exports.selectors import export_customers, export_requests_visible_to
from kefu.exports.services import (
    customer_export,
    export_request_create,
    export_request_decide,
    export_request_download,
    import_upload_commit,
    import_upload_store,
    may_decide,
    may_export,
    may_import,
)
from kefu.org.choices import Role

__all__ = (
    "customers_export",
    "home",
    "import_commit_view",
    "import_page",
    "request_decide",
    "request_detail",
    "request_download",
)


def _role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    requests = list(export_requests_visible_to(user)[:100])
    return render(
        request,
        "exports/home.html",
        {
            "mine": [r for r in requests if r.requester_id == user.pk],
            "to_decide": [r for r in requests if r.status == RequestStatus.REQUESTED and may_decide(r, user)],
            "may_import": may_import(user),
            "may_export": may_export(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    if not may_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = upload = None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
        else:
            data = file.read()
            upload = import_upload_store(actor=request.user, file_name=file.name or "upload", data=data)
            report = import_check(file_name=upload.file_name, data=data)
    return render(
        request,
        "exports/import.html",
        {
            "form": form,
            "report": report,
            "upload": upload,
            "columns": COLUMNS,
            "max_rows": MAX_ROWS,
            "max_mb": MAX_FILE_BYTES // (1024 * 1024),
        },
    )


@login_required
@require_POST
def import_commit_view(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(ImportUpload, pk=pk, uploader=request.user)
    try:
        result = import_upload_commit(upload=upload, actor=request.user)
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("exports:import")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("exports:home")
    messages.success(
        request,
        _("%(count)s customers were imported from %(file)s.")
        % {"count": len(result.customers), "file": upload.file_name},
    )
    return redirect("exports:home")


@login_required
@require_http_methods(["GET", "POST"])
def customers_export(request: HttpRequest) -> HttpResponse:
    if not may_export(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = ExportForm(data)
    rules = data_release_rules()
    count = role = None
    if form.is_bound and form.is_valid():
        count = export_customers(user=request.user, filters=form.filters()).count()
        role = rules.approver_role(count)
        if request.method == "POST":
            try:
                if role is None:
                    made, _record = customer_export(
                        actor=request.user, filters=form.filters(), file_format=form.cleaned_data["file_format"]
                    )
                    return file_response(made)
                created = export_request_create(
                    actor=request.user,
                    filters=form.filters(),
                    reason=form.cleaned_data["reason"],
                    file_format=form.cleaned_data["file_format"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                for name, errors in exc.extra.items():
                    if name in form.fields:
                        for error in errors:
                            form.add_error(name, str(error))
            else:
                messages.success(
                    request,
                    _("Your request was sent to the %(role)s. You will be told when the file is ready.")
                    % {"role": _role_label(created.approver_role)},
                )
                return redirect("exports:request", pk=created.pk)
    return render(
        request,
        "exports/export.html",
        {"form": form, "count": count, "approver": _role_label(role) if role else "", "rules": rules},
    )


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(export_requests_visible_to(request.user), pk=pk)
    return render(
        request,
        "exports/request.html",
        {
            "item": item,
            "approver": _role_label(item.approver_role),
            "may_decide": item.status == RequestStatus.REQUESTED and may_decide(item, request.user),
            "may_download": item.requester_id == request.user.pk
            and item.status in (RequestStatus.PRODUCED, RequestStatus.DOWNLOADED)
            and item.expires_at is not None
            and item.expires_at > timezone.now(),
            "form": DecisionForm(),
            "downloads": item.downloads.select_related("user")[:50],
        },
    )


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(export_requests_visible_to(request.user), pk=pk)
    decision = request.POST.get("decision")
    form = DecisionForm(request.POST)
    if decision not in ("approve", "refuse") or not form.is_valid():
        messages.error(request, _("Press “Approve” or “Refuse”."))
        return redirect("exports:request", pk=pk)
    try:
        export_request_decide(
            request=item, actor=request.user, approve=decision == "approve", note=form.cleaned_data["note"]
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([exc.message, *[str(e) for v in exc.extra.values() for e in v]]))
    else:
        messages.success(
            request,
            _("Approved: the file is being made and the requester will be told.")
            if decision == "approve"
            else _("Refused: the requester was told why."),
        )
    return redirect("exports:request", pk=pk)


@login_required
@require_GET
def request_download(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(export_requests_visible_to(request.user), pk=pk)
    try:
        made = export_request_download(request=item, actor=request.user, surface="web")
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
        return redirect("exports:request", pk=pk)
    return file_response(made)
