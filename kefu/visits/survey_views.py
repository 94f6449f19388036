"""Survey staff screens (seed-002 Doc 8): the surveys and their typed questions, opening a round on a
random sample of a customer filter, the round's invitations (links) and answer progress against the
threshold, results per item and by unit and period (tables with ECharts charts; page JS in static),
the printable paper form and a paper answer typed in by staff. Supervisors, managers and the roles
that see everything (`may_run_surveys`); the services decide."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.exceptions import ApplicationError
from kefu.visits.forms import QuestionnaireForm
from kefu.visits.models import Survey, SurveyInvitation, SurveyRound
from kefu.visits.rules import SurveysDef
from kefu.visits.services import visits_section
from kefu.visits.survey_forms import QuestionRows, RoundForm, SurveyForm
from kefu.visits.surveys import (
    SurveyClosed,
    may_run_surveys,
    results_by_unit_and_period,
    round_result,
    survey_answer_on_paper,
    survey_create,
    survey_round_close,
    survey_round_open,
)

__all__ = ("paper_answer", "round_close", "round_detail", "round_open", "round_print", "survey_detail", "surveys")

PRINT_LIMIT = 500  # paper forms printed at once (the rest: print again after these are entered)


def _guard(request: HttpRequest) -> None:
    if not may_run_surveys(request.user):
        raise PermissionDenied


def _rules() -> SurveysDef:
    section = visits_section()
    return section.surveys if section is not None else SurveysDef()


def _units() -> Any:
    from kefu.org.models import OrgUnit

    return OrgUnit.objects.filter(is_active=True).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def surveys(request: HttpRequest) -> HttpResponse:
    _guard(request)
    form = SurveyForm(request.POST or None)
    rows = QuestionRows(request.POST or None, prefix="q")
    status = 200
    if request.method == "POST":
        if form.is_valid() and rows.is_valid():
            questions = [q for i, r in enumerate(rows, start=1) if (q := r.question(i)) is not None]
            try:
                survey = survey_create(
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    intro=form.cleaned_data["intro"],
                    questions=questions,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                for name, errors in (exc.extra or {}).items():
                    for error in errors if isinstance(errors, list) else [errors]:
                        form.add_error(None, f"{name}: {error}")
            else:
                messages.success(request, _("Survey saved. Open a round to send it to customers."))
                return redirect("visits:survey", pk=survey.pk)
        status = 400
    listed = list(Survey.objects.order_by("-created_at", "-id")[:100])
    return render(request, "visits/surveys.html", {"surveys": listed, "form": form, "rows": rows}, status=status)


def _round_form(request: HttpRequest, survey: Survey, data: Any = None) -> RoundForm:
    rules = _rules()
    today = timezone.localdate()
    initial = {
        "name": f"{survey.title} {today:%Y-%m}",
        "period_start": today - timedelta(days=rules.every_months * 30),
        "period_end": today,
        "within_months": rules.new_service_within_months,
        "sample_size": 100,
        "threshold_percent": Decimal(str(rules.threshold_percent)),
        "answer_days": rules.answer_days,
    }
    return RoundForm(data, initial=initial, units=_units())


def _progress(round_: SurveyRound) -> dict[str, Any]:
    result = round_result(round_)
    return {
        "round": round_,
        "result": result,
        "needed": int((result.threshold_percent * result.invited / 100).to_integral_value(rounding="ROUND_CEILING")),
    }


@login_required
@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _guard(request)
    survey = get_object_or_404(Survey, pk=pk)
    rounds = [_progress(r) for r in survey.rounds.select_related("unit").order_by("-period_start", "-id")[:50]]
    return render(request, "visits/survey.html", _survey_context(request, survey, rounds, _round_form(request, survey)))


def _survey_context(request: HttpRequest, survey: Survey, rounds: list, form: RoundForm) -> dict[str, Any]:
    from kefu.org.models import OrgUnit

    rows = results_by_unit_and_period(survey=survey)
    names = dict(OrgUnit.objects.filter(pk__in={r["unit_id"] for r in rows if r["unit_id"]}).values_list("pk", "name"))
    texts = {q["code"]: q["text"] for q in survey.questions}
    table = [
        {
            "unit": names.get(r["unit_id"], _("Whole company")),
            "period": r["period_start"],
            "item": texts.get(r["item"], r["item"]),
            "answers": r["answers"],
            "satisfied": r["satisfied"],
            "rate": r["rate"],
        }
        for r in rows
    ]
    chart = {
        "series": [
            {"name": f"{row['unit']} {row['period']:%Y-%m}", "item": row["item"], "rate": float(row["rate"])}
            for row in table
        ]
    }
    return {"survey": survey, "rounds": rounds, "form": form, "by_unit": table, "chart": chart if table else None}


@login_required
@require_POST
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    from kefu.customers.models import Customer

    _guard(request)
    survey = get_object_or_404(Survey, pk=pk)
    form = _round_form(request, survey, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        pool = Customer.objects.filter(is_active=True)
        if data["who"] == "new":
            pool = pool.filter(created_at__gte=timezone.now() - timedelta(days=30 * data["within_months"]))
        if data["grade"]:
            pool = pool.filter(grade=data["grade"])
        try:
            round_ = survey_round_open(
                actor=request.user,
                survey=survey,
                name=data["name"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                sample_size=data["sample_size"],
                threshold_percent=data["threshold_percent"],
                answer_days=data["answer_days"],
                unit=data["unit"],
                customers=pool,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            for name, errors in (exc.extra or {}).items():
                for error in errors if isinstance(errors, list) else [errors]:
                    form.add_error(name if name in form.fields else None, str(error))
        else:
            messages.success(
                request,
                _("Round opened: %(n)s customers invited. Send them their links or print the paper forms.")
                % {"n": round_.invitations.count()},
            )
            return redirect("visits:survey_round", pk=round_.pk)
    rounds = [_progress(r) for r in survey.rounds.select_related("unit").order_by("-period_start", "-id")[:50]]
    return render(request, "visits/survey.html", _survey_context(request, survey, rounds, form), status=400)


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _guard(request)
    round_ = get_object_or_404(SurveyRound.objects.select_related("survey", "unit"), pk=pk)
    invitations = list(
        round_.invitations.select_related("customer", "response__entered_by").order_by("answered_at", "pk")[:1000]
    )
    for inv in invitations:
        inv.link = request.build_absolute_uri(f"/s/{inv.token}/")
    context = _progress(round_)
    items = context["result"].items
    context.update(
        invitations=invitations,
        chart={"items": [{"text": i.text, "rate": float(i.rate) if i.rate is not None else None} for i in items]}
        if any(i.answers for i in items)
        else None,
        open=round_.status == "open",
    )
    return render(request, "visits/survey_round.html", context)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    _guard(request)
    round_ = get_object_or_404(SurveyRound, pk=pk)
    try:
        survey_round_close(actor=request.user, round_=round_)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Round closed: no more answers are taken."))
    return redirect("visits:survey_round", pk=round_.pk)


@login_required
@require_GET
def round_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The paper forms (《顾客满意度征询表》) of the customers who have not answered: one page each."""
    _guard(request)
    round_ = get_object_or_404(SurveyRound.objects.select_related("survey"), pk=pk)
    invitations = list(
        round_.invitations.filter(answered_at__isnull=True).select_related("customer").order_by("pk")[:PRINT_LIMIT]
    )
    return render(
        request,
        "visits/survey_print.html",
        {"round": round_, "survey": round_.survey, "invitations": invitations, "limit": PRINT_LIMIT},
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Type in a paper form the customer filled in; who entered it is kept with the answer."""
    _guard(request)
    invitation = get_object_or_404(SurveyInvitation.objects.select_related("round__survey", "customer"), pk=pk)
    questionnaire = {"questions": invitation.round.survey.questions}
    form = QuestionnaireForm(request.POST or None, questionnaire=questionnaire, signature=False, initial={"version": 1})
    form.fields.pop("summary")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                survey_answer_on_paper(invitation=invitation, actor=request.user, answers=form.answers())
            except SurveyClosed as exc:
                messages.error(request, exc.message)
                return redirect("visits:survey_round", pk=invitation.round_id)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                for name, errors in (exc.extra or {}).items():
                    field = f"q_{name[8:]}" if name.startswith("answers.") else None
                    for error in errors if isinstance(errors, list) else [errors]:
                        form.add_error(field if field in form.fields else None, str(error))
            else:
                messages.success(
                    request,
                    _("Paper answer of %(customer)s entered (in your name).") % {"customer": invitation.customer.name},
                )
                return redirect("visits:survey_round", pk=invitation.round_id)
        status = 400
    return render(request, "visits/survey_paper.html", {"invitation": invitation, "form": form}, status=status)
