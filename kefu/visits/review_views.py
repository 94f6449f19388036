"""Report and review screens (seed-002 Doc 1 4.4–4.5): the visitor submits the visit report or asks for
a week; the supervisor's review list (`/visits/review/`) with approve / send back, decisions on more
time, and the flag of a falsified or missed visit on the visit page. Thin: the services decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.exceptions import ApplicationError
from kefu.visits.forms import ExtensionDecisionForm, ExtensionForm, FlagForm, ReportForm, ReviewForm
from kefu.visits.reports import (
    visit_flag,
    visit_report_extension_decide,
    visit_report_extension_request,
    visit_report_review,
    visit_report_submit,
)
from kefu.visits.selectors import review_queue
from kefu.visits.views import _task_or_404

__all__ = ("extension", "extension_decide", "flag", "report", "review", "review_list")


def _say(request: HttpRequest, exc: ApplicationError) -> None:
    details = [str(m) for ms in (exc.extra or {}).values() for m in (ms if isinstance(ms, list) else [ms])]
    messages.error(request, " ".join([exc.message, *details]))


def _form_error(request: HttpRequest, form: Any) -> None:
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("visits:task", pk=task.pk)
    try:
        made = visit_report_submit(
            task=task,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            summary=form.cleaned_data["summary"],
            evaluation=form.cleaned_data["evaluation"],
        )
    except ApplicationError as exc:
        _say(request, exc)
    else:
        if made.late:
            messages.warning(request, _("Report submitted after its deadline: your supervisor sees it as late."))
        else:
            messages.success(request, _("Report submitted. Your supervisor reviews it next."))
    return redirect("visits:task", pk=task.pk)


@login_required
@require_POST
def extension(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("visits:task", pk=task.pk)
    try:
        visit_report_extension_request(
            task=task,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("Asked. Your supervisor decides; until then the three days stand."))
    return redirect("visits:task", pk=task.pk)


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    queue = review_queue(request.user, today=timezone.localdate())
    for task in queue["reports"]:
        task.review_form = ReviewForm(initial={"version": task.version}, prefix=f"r{task.pk}")
    return render(request, "visits/review.html", {**queue, "today": timezone.localdate()})


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    form = ReviewForm(request.POST, prefix=f"r{task.pk}")
    if not form.is_valid():
        _form_error(request, form)
        return redirect("visits:review")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        visit_report_review(
            task=task,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            approve=approve,
            comment=form.cleaned_data["comment"],
        )
    except ApplicationError as exc:
        _say(request, exc)
    else:
        messages.success(
            request,
            _("Approved.")
            if approve
            else _("Sent back: %(visitor)s is told and submits it again.") % {"visitor": task.visitor},
        )
    return redirect("visits:review")


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("visits:review")
    try:
        visit_report_extension_decide(
            task=task,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            approve=form.cleaned_data["decision"] == "approve",
        )
    except ApplicationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("Decided. The visitor sees the deadline on the visit."))
    return redirect("visits:review")


@login_required
@require_POST
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("visits:task", pk=task.pk)
    try:
        visit_flag(
            task=task,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("Flagged. The managers who keep the reward and penalty ledger are told."))
    return redirect("visits:task", pk=task.pk)
