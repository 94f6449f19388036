"""The call-back screens: today's visits of the signed-in person, one visit with its call script and
questionnaire, "not reachable" / "call me later", and the logged "show number"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.exceptions import ApplicationError
from kefu.customers.masking import mask_phone
from kefu.customers.services import customer_reveal_contacts, may_reveal_contacts
from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES
from kefu.visits.forms import QuestionnaireForm, RescheduleForm
from kefu.visits.selectors import task_for, tasks_for_today
from kefu.visits.services import may_work_on, visit_record, visit_reschedule

__all__ = ("reschedule", "show_number", "task_detail", "today")


def _phone(task: Any, *, revealed: bool) -> str:
    contacts = list(task.customer.contacts.all())
    if not contacts:
        return ""
    return contacts[0].phone if revealed else mask_phone(contacts[0].phone)


def _errors_into(form: Any, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)
    for name, errors in (exc.extra or {}).items():
        field = f"q_{name[8:]}" if name.startswith("answers.") else name
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(field if field in form.fields else None, str(error))


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    tasks = list(tasks_for_today(request.user, today=day)[:200])
    for task in tasks:
        task.masked_phone = _phone(task, revealed=False)
        task.overdue = task.due_date < day
    user = request.user
    may_review = user.is_superuser or user.role in UNIT_SEEING_ROLES | ALL_SEEING_ROLES
    return render(request, "visits/today.html", {"tasks": tasks, "today": day, "may_review": may_review})


def _task_or_404(request: HttpRequest, pk: int) -> Any:
    task = task_for(request.user, pk)
    if task is None:
        raise Http404
    return task


def _render_task(request: HttpRequest, task: Any, *, form: Any = None, revealed: bool = False, status: int = 200):
    questionnaire = task.questionnaire
    form = form or QuestionnaireForm(
        questionnaire=questionnaire, signature=task.on_site_signature, initial={"version": task.version}
    )
    context = {
        "task": task,
        "form": form,
        "questionnaire": questionnaire,
        "phone": _phone(task, revealed=revealed),
        "revealed": revealed,
        "may_reveal": may_reveal_contacts(request.user) and not revealed,
        "may_work": may_work_on(request.user, task) and task.is_pending,
        "later": RescheduleForm(initial={"reason": "call_later", "version": task.version}),
        "record": getattr(task, "record", None) if not task.is_pending else None,
        "events": list(task.events.select_related("actor")),
        **_report_context(request, task),
    }
    return render(request, "visits/task.html", context, status=status)


def _report_context(request: HttpRequest, task: Any) -> dict[str, Any]:
    """The report card of a visit made: deadlines, the report and the request for more time, and what
    the signed-in person may do (the visitor submits or asks; a supervisor of the unit flags)."""
    from kefu.visits.choices import ReportStatus, VisitStatus
    from kefu.visits.forms import ExtensionForm, FlagForm, ReportForm
    from kefu.visits.reports import report_deadlines
    from kefu.visits.services import _supervises

    user = request.user
    report = getattr(task, "report", None)
    extension = getattr(task, "report_extension", None)
    deadlines = report_deadlines(task) if task.status == VisitStatus.DONE else None
    is_visitor = user.pk == task.visitor_id
    may_submit = deadlines is not None and is_visitor and (report is None or report.status == ReportStatus.RETURNED)
    supervisor = not is_visitor and _supervises(user, task.unit)
    initial = {"version": task.version}
    if report is not None:
        initial.update(summary=report.summary, evaluation=report.evaluation)
    return {
        "report": report,
        "extension": extension,
        "deadlines": deadlines,
        "report_form": ReportForm(initial=initial) if may_submit else None,
        "extension_form": (
            ExtensionForm(initial={"version": task.version})
            if may_submit and report is None and extension is None and timezone.localdate() <= deadlines.submit_by
            else None
        ),
        "flag_form": FlagForm(initial={"version": task.version}) if supervisor else None,
        "flags": list(task.flags.select_related("flagged_by")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    if request.method == "GET":
        return _render_task(request, task)
    form = QuestionnaireForm(request.POST, questionnaire=task.questionnaire, signature=task.on_site_signature)
    if form.is_valid():
        try:
            record = visit_record(
                task=task,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                answers=form.answers(),
                summary=form.cleaned_data["summary"],
                customer_signed=form.cleaned_data.get("customer_signed", False),
            )
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            if record.follow_up_case_id:
                messages.warning(
                    request,
                    _("Recorded. The customer is not satisfied: follow-up case %(number)s was opened.")
                    % {"number": record.follow_up_case.number},
                )
            else:
                messages.success(request, _("Recorded. Next call on your list below."))
            return redirect("visits:today")
    return _render_task(request, task, form=form, status=400)


@login_required
@require_POST
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the time to call again."))
        return redirect("visits:task", pk=task.pk)
    try:
        task = visit_reschedule(
            task=task,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            try_again_at=form.cleaned_data["try_again_at"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([exc.message, *(str(m) for ms in exc.extra.values() for m in ms)]))
        return redirect("visits:task", pk=task.pk)
    if task.is_pending:
        next_try = timezone.localtime(task.next_attempt_at)
        if next_try.date() == timezone.localdate():
            text = _("Attempt %(n)s noted. Call again from %(at)s; it stays on your list.")
        else:  # an evening attempt: the next try falls on a later day's list
            text = _("Attempt %(n)s noted. Call again from %(at)s; it will be on that day's list.")
        messages.info(request, text % {"n": task.attempts, "at": next_try.strftime("%m-%d %H:%M")})
    else:
        messages.warning(request, _("Attempt %(n)s: the visit is closed as not reachable.") % {"n": task.attempts})
    return redirect("visits:today")


@login_required
@require_POST
def show_number(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the customer's full number on this page once, and log who saw it."""
    task = _task_or_404(request, pk)
    try:
        customer_reveal_contacts(customer=task.customer, actor=request.user, surface="visits", path=request.path)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("visits:task", pk=task.pk)
    return _render_task(request, task, revealed=True)
