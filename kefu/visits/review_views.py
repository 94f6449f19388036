"""Report and review screens (seed-002 Doc 1 4.4–4.5): the visitor submits the visit report or asks for
a week; the supervisor's review list (`/visits/review/`) with approve / send back, decisions on more
time, and the flag of a falsified or missed visit on the visit page. Thin: the services decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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


def _act(request: HttpRequest, form: Any, back: str, run: Any) -> HttpResponse:
    """One POST of these screens: a bad form or a refused service says why (nothing changed); else
    `run(cleaned_data)` calls the service and returns (message level, what happens next)."""
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        level, text = run(form.cleaned_data)
    except ApplicationError as exc:
        _say(request, exc)
    else:
        messages.add_message(request, level, text)
    return redirect(back)


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)

    def run(data: dict[str, Any]) -> tuple[int, str]:
        made = visit_report_submit(
            task=task,
            actor=request.user,
            expected_version=data["version"],
            summary=data["summary"],
            evaluation=data["evaluation"],
        )
        if made.late:
            return messages.WARNING, _("Report submitted after its deadline: your supervisor sees it as late.")
        return messages.SUCCESS, _("Report submitted. Your supervisor reviews it next.")

    return _act(request, ReportForm(request.POST), reverse("visits:task", args=[task.pk]), run)


@login_required
@require_POST
def extension(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)

    def run(data: dict[str, Any]) -> tuple[int, str]:
        visit_report_extension_request(
            task=task, actor=request.user, expected_version=data["version"], reason=data["reason"]
        )
        return messages.SUCCESS, _("Asked. Your supervisor decides; until then the three days stand.")

    return _act(request, ExtensionForm(request.POST), reverse("visits:task", args=[task.pk]), run)


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

    def run(data: dict[str, Any]) -> tuple[int, str]:
        approve = data["decision"] == "approve"
        visit_report_review(
            task=task, actor=request.user, expected_version=data["version"], approve=approve, comment=data["comment"]
        )
        if approve:
            return messages.SUCCESS, _("Approved.")
        return messages.SUCCESS, _("Sent back: %(visitor)s is told and submits it again.") % {"visitor": task.visitor}

    return _act(request, ReviewForm(request.POST, prefix=f"r{task.pk}"), reverse("visits:review"), run)


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)

    def run(data: dict[str, Any]) -> tuple[int, str]:
        visit_report_extension_decide(
            task=task, actor=request.user, expected_version=data["version"], approve=data["decision"] == "approve"
        )
        return messages.SUCCESS, _("Decided. The visitor sees the deadline on the visit.")

    return _act(request, ExtensionDecisionForm(request.POST), reverse("visits:review"), run)


@login_required
@require_POST
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)

    def run(data: dict[str, Any]) -> tuple[int, str]:
        visit_flag(
            task=task,
            actor=request.user,
            expected_version=data["version"],
            kind=data["kind"],
            reason=data["reason"],
        )
        return messages.SUCCESS, _("Flagged. The managers who keep the reward and penalty ledger are told.")

    return _act(request, FlagForm(request.POST), reverse("visits:task", args=[task.pk]), run)
