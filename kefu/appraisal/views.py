"""Appraisal screens: the dashboards (agent, supervisor, GM), scorecards with their Excel sheet, the
reward/penalty ledger and its printable notice (奖罚通知单)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.appraisal.forms import (
    AssessForm,
    ComputeForm,
    CorrectForm,
    DailyForm,
    DecideForm,
    ProposeForm,
    ServicePointsForm,
)
from kefu.appraisal.measures import Period
from kefu.appraisal.models import Scorecard
from kefu.appraisal.selectors import (
    agent_dashboard,
    daily_reports_to_review,
    entries_visible_to,
    org_dashboard,
    reports_visible_to,
    runs_visible_to,
    unit_dashboard,
)
from kefu.appraisal.services import (
    appraisal_rules,
    daily_figures,
    daily_report_review,
    daily_report_submit,
    ledger_entry_correct,
    ledger_entry_decide,
    ledger_entry_propose,
    ledger_service_points,
    may_decide,
    may_propose,
    scorecard_approve,
    scorecard_assess,
    scorecard_compute,
)
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.org.models import OrgUnit, User


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if isinstance(exc, ForbiddenError):
        raise PermissionDenied(exc.message)
    details = [
        f"{v}" for errors in (exc.extra or {}).values() for v in (errors if isinstance(errors, list) else [errors])
    ]
    messages.error(request, " ".join([exc.message, *details]))


def _chart(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**t, "rate": float(t["rate"]) if t["rate"] is not None else None} for t in trend]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"mine": agent_dashboard(user), "org": None, "unit": None, "chart": None}
    if user.sees_everything:
        org = org_dashboard(user)
        context["org"] = org
        context["chart"] = {"trend": _chart(org["trend"]), "breaches": org["breaches"]}
    elif user.sees_unit:
        unit = unit_dashboard(user)
        context["unit"] = unit
        context["chart"] = {"trend": _chart(unit["trend"]), "breaches": unit["breaches"]}
    context["board"] = context.get("org") or context.get("unit")
    ranking = (context["board"] or {}).get("ranking") or []
    if context["chart"]:
        context["chart"]["ranking"] = [{"name": str(c.person), "total": float(c.total)} for c in ranking]
        for row in context["chart"]["breaches"]:
            row["rate"] = float(row["rate"]) if row["rate"] is not None else None
    return render(request, "appraisal/dashboard.html", context)


def _units_for(user: User):
    qs = OrgUnit.objects.order_by("path")
    if user.sees_everything:
        return qs
    return qs.filter(path__startswith=user.unit.path)


@login_required
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.sees_everything or user.sees_unit):
        raise PermissionDenied
    form = ComputeForm(request.POST or None, units=_units_for(user))
    if request.method == "POST" and form.is_valid():
        period = Period.of(form.cleaned_data["period"], form.cleaned_data["day"])
        try:
            run = scorecard_compute(period=period, unit=form.cleaned_data["unit"], actor=user)
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Scorecards of %(period)s computed.") % {"period": period})
            return redirect("appraisal:run", pk=run.pk)
    listing = runs_visible_to(user)[:50]
    return render(
        request,
        "appraisal/runs.html",
        {"form": form, "runs": [(r, Period(r.period_kind, r.period_start)) for r in listing]},
    )


def _run_for(request: HttpRequest, pk: int):
    return get_object_or_404(runs_visible_to(request.user), pk=pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    cards = list(
        run.scorecards.select_related("person__unit", "unit")
        .prefetch_related("items")
        .order_by("person", "rank", "unit__path")
    )
    people = [c for c in cards if c.person_id]
    units = [c for c in cards if c.unit_id]
    kpis = [(i.kpi, i.label) for i in (people or units)[0].items.all()] if cards else []
    try:
        _version, section = appraisal_rules()
        may_approve = run.status == "computed" and (request.user.role in section.approvers or request.user.is_superuser)
    except ApplicationError:
        may_approve = False
    return render(
        request,
        "appraisal/run.html",
        {
            "run": run,
            "period": Period(run.period_kind, run.period_start),
            "people": sorted(people, key=lambda c: (c.rank or 0, c.pk)),
            "units": units,
            "kpis": kpis,
            "may_approve": may_approve,
        },
    )


@login_required
@require_GET
def run_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from kefu.appraisal.xlsx import run_workbook  # openpyxl only in the worker that makes a workbook

    run = _run_for(request, pk)
    period = Period(run.period_kind, run.period_start)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    run_workbook(run).save(response)
    response["Content-Disposition"] = f'attachment; filename="kefu-scorecards-{period}.xlsx"'
    return response


@login_required
@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    try:
        scorecard_approve(run=run, actor=request.user)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Approved. Rewards and penalties for the ranks wait in the ledger for approval."))
    return redirect("appraisal:run", pk=run.pk)


@login_required
@require_POST
def card_assess(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    card = get_object_or_404(
        Scorecard.objects.filter(Q(person=user) | Q(run__in=runs_visible_to(user)), person__isnull=False), pk=pk
    )
    form = AssessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a score from 0 to 100."))
    else:
        try:
            scorecard_assess(
                scorecard=card, group=form.cleaned_data["group"], points=form.cleaned_data["points"], actor=user
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Score saved."))
    return redirect(request.POST.get("next") if request.POST.get("next") in ("/appraisal/",) else "appraisal:dashboard")


def _people_for(user: User):
    qs = User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("unit__path", "username")
    if user.sees_everything:
        return qs
    if user.sees_unit:
        return qs.filter(unit__path__startswith=user.unit.path)
    return qs.none()


@login_required
@require_http_methods(["GET", "POST"])
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_enter = user.sees_everything or user.sees_unit
    try:
        _version, section = appraisal_rules()
        reasons = [(r.code, r.label) for r in section.ledger.reasons]
    except ApplicationError:
        section, reasons = None, []
    form = (
        ProposeForm(request.POST or None, people=_people_for(user), reasons=reasons) if may_enter and section else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = ledger_entry_propose(
                    person=data["person"],
                    reason=data["reason"],
                    actor=user,
                    amount=data["amount"],
                    points=data["points"],
                    note=data["note"],
                    request_key="web:" + data["token"],
                )
            except ApplicationError as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("Entry saved as a draft; the approver has been told."))
                return redirect("appraisal:entry", pk=entry.pk)
    return _ledger_page(request, form, _sp_form(request, section, None))


def _sp_form(request: HttpRequest, section, data) -> ServicePointsForm | None:
    user = request.user
    if not (user.sees_everything or user.sees_unit) or section is None or section.ledger.service_points is None:
        return None
    return ServicePointsForm(data, people=_people_for(user))


def _ledger_page(request: HttpRequest, form, sp_form) -> HttpResponse:
    status = request.GET.get("status", "")
    entries = entries_visible_to(request.user)
    if status in ("draft", "approved", "rejected"):
        entries = entries.filter(status=status)
    context = {"form": form, "sp_form": sp_form, "entries": entries[:100], "status": status}
    return render(request, "appraisal/ledger.html", context)


@login_required
@require_POST
def service_points(request: HttpRequest) -> HttpResponse:
    """篇8 4.1: service points above the monthly baseline → a reward draft of (points − 17) × 270 yuan."""
    try:
        _version, section = appraisal_rules()
    except ApplicationError:
        section = None
    sp_form = _sp_form(request, section, request.POST)
    if sp_form is None:
        raise PermissionDenied
    if sp_form.is_valid():
        data = sp_form.cleaned_data
        try:
            entry = ledger_service_points(
                person=data["sp_person"],
                points=data["sp_points"],
                month=data["sp_month"],
                actor=request.user,
                request_key="web:" + data["sp_token"],
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Entry saved as a draft; the approver has been told."))
            return redirect("appraisal:entry", pk=entry.pk)
    return _ledger_page(request, None, sp_form)


def _entry_for(request: HttpRequest, pk: int):
    return get_object_or_404(entries_visible_to(request.user), pk=pk)


@login_required
@require_GET
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    try:
        _version, section = appraisal_rules()
        decide = entry.status == "draft" and may_decide(request.user, entry, section)
        correct = (
            entry.status == "approved"
            and entry.source != "correction"
            and may_propose(request.user, entry.person, section)
        )
    except ApplicationError:
        decide = correct = False
    return render(request, "appraisal/entry.html", {"entry": entry, "may_decide": decide, "may_correct": correct})


@login_required
@require_POST
def entry_decide(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    _version, section = appraisal_rules()
    if not may_decide(request.user, entry, section):
        raise PermissionDenied
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("appraisal:entry", pk=entry.pk)
    try:
        ledger_entry_decide(
            entry=entry,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Decision recorded. The notice can now be printed."))
    return redirect("appraisal:entry", pk=entry.pk)


@login_required
@require_POST
def entry_correct(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    _version, section = appraisal_rules()
    if not may_propose(request.user, entry.person, section):
        raise PermissionDenied
    form = CorrectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what the correction is for."))
        return redirect("appraisal:entry", pk=entry.pk)
    try:
        reversal = ledger_entry_correct(entry=entry, actor=request.user, note=form.cleaned_data["note"])
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("appraisal:entry", pk=entry.pk)
    messages.success(request, _("The reversing entry waits for approval."))
    return redirect("appraisal:entry", pk=reversal.pk)


@login_required
@require_GET
def entry_notice(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    return render(request, "appraisal/notice.html", {"entry": entry})


@login_required
@require_http_methods(["GET", "POST"])
def daily(request: HttpRequest) -> HttpResponse:
    """My daily work report (today's figures from the records, my words), my recent ones, and for
    supervisors the reports of their people to review."""
    from kefu.appraisal.models import DailyReport

    user = request.user
    today = timezone.localdate()
    mine = DailyReport.objects.filter(person=user, day=today).first()
    form = DailyForm(request.POST or None, initial={"day": today, "text": mine.text if mine else ""})
    if request.method == "POST" and form.is_valid():
        try:
            daily_report_submit(person=user, day=form.cleaned_data["day"], text=form.cleaned_data["text"])
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Report saved. Your supervisor reviews it."))
            return redirect("appraisal:daily")
    context = {
        "form": form,
        "figures": daily_figures(person=user, day=today),
        "recent": DailyReport.objects.filter(person=user).select_related("reviewed_by")[:10],
        "to_review": daily_reports_to_review(user).filter(reviewed_at__isnull=True)[:50],
        "reviewer": user.sees_everything or user.sees_unit,
    }
    return render(request, "appraisal/daily.html", context)


@login_required
@require_POST
def daily_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(daily_reports_to_review(request.user), pk=pk)
    try:
        daily_report_review(report=report, actor=request.user, review=request.POST.get("review", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Review saved."))
    return redirect("appraisal:daily")


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """The scheduled reports one may see (newest first), each with its PDF and Excel download."""
    rows = list(reports_visible_to(request.user).order_by("-period_start", "code", "unit__path")[:200])
    return render(request, "appraisal/reports.html", {"reports": rows})


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from kefu.appraisal.documents import report_sections, report_title

    report = get_object_or_404(reports_visible_to(request.user).defer(None), pk=pk)
    sections = [{"title": title, "columns": columns, "rows": rows} for title, columns, rows in report_sections(report)]
    for section in sections:
        section["cells"] = [[row.get(key, "") for key, _h in section["columns"]] for row in section["rows"]]
    return render(
        request, "appraisal/report.html", {"report": report, "title": report_title(report), "sections": sections}
    )


@login_required
@require_GET
def report_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The stored file as generated (its SHA-256 is on the report's page)."""
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    types = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    stored = getattr(report, fmt, None) if fmt in types else None
    if not stored:
        raise Http404
    with stored.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="kefu-{report.code}-{report.period_start:%Y%m%d}.{fmt}"'
    return response
