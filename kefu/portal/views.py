"""The customer self-service pages (/portal/, no staff login). Thin: forms check the shape, the
portal services (kefu/portal/services.py) do the work through the case engine.

Refusals never say whether a case number exists: asking for a code answers "if the number and phone
match, a code is on its way" whatever happened, and a failed code check says the same one sentence
for an unknown number, another customer's case, a wrong, expired, used or locked code. Access to a
case's follow page is kept in the session (KEFU_PORTAL_SESSION_MINUTES) after a right code or a
valid signed link. Every POST is CSRF-protected and rate-limited (kefu/portal/limits.py).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.cases.models import Case
from kefu.core.exceptions import ApplicationError, ConflictError
from kefu.portal.forms import AnswerForm, CaseForm, CodeForm, CodeRequestForm, SurveyLinkForm
from kefu.portal.limits import too_many
from kefu.portal.selectors import case_for_customer, portal_case_types
from kefu.portal.services import (
    case_for_link,
    portal_answer,
    portal_file_case,
    tracking_code_check,
    tracking_code_send,
)
from kefu.portal.tokens import new_form_token, submitted_case, usable_token
from kefu.rulebooks.selectors import rulebook_for_new_case
from kefu.web.fieldforms import service_error_target

__all__ = ("answer", "case_page", "file_case", "filed", "home", "link", "survey", "track")

SESSION_KEY = "portal_cases"


def _failed() -> str:
    return _("The case number or the code is not right, or the code has expired. Ask for a new code and try again.")


def _limited(request: HttpRequest, number: str = "") -> HttpResponse | None:
    """The 429 page when this address (or this case number) asked too often; else None."""
    if too_many(request, number=number):
        response = render(
            request,
            "portal/message.html",
            {"title": _("Please wait a moment"), "message": _("Too many requests. Please try again in a few minutes.")},
            status=429,
        )
        response["Retry-After"] = str(int(getattr(settings, "KEFU_PORTAL_RATE_SECONDS", 600)))
        return response
    return None


def _grant(request: HttpRequest, case: Case) -> None:
    minutes = int(getattr(settings, "KEFU_PORTAL_SESSION_MINUTES", 30))
    granted = dict(request.session.get(SESSION_KEY) or {})
    now = timezone.now().timestamp()
    granted = {k: v for k, v in granted.items() if v > now}  # forget the expired ones
    granted[str(case.pk)] = now + minutes * 60
    request.session[SESSION_KEY] = granted
    request.session.cycle_key()  # a new session id once it opens a case (no fixation)


def _granted_case(request: HttpRequest, number: str) -> Case | None:
    case = Case.objects.select_related("rulebook_version").filter(number=number[:40]).first()
    granted = request.session.get(SESSION_KEY) or {}
    if case is None or granted.get(str(case.pk), 0) <= timezone.now().timestamp():
        return None
    return case


def _doc():
    try:
        return rulebook_for_new_case(None).doc
    except ApplicationError:
        return None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    doc = _doc()
    types = portal_case_types(doc) if doc is not None else []
    return render(request, "portal/home.html", {"types": types, "survey_form": SurveyLinkForm()})


@require_http_methods(["GET", "POST"])
def file_case(request: HttpRequest, case_type: str) -> HttpResponse:
    doc = _doc()
    if doc is None or case_type not in dict(portal_case_types(doc)):
        raise Http404
    if request.method == "POST" and (limited := _limited(request)):
        return limited
    form = CaseForm(request.POST or None, request.FILES or None, doc=doc, case_type=case_type)
    # The one-time form token (kefu/portal/tokens.py): a double submit or Back + submit files one case.
    token = usable_token(request.POST.get("form_token")) if request.method == "POST" else new_form_token()
    if request.method == "POST" and (done := submitted_case(token)) is not None:
        return _to_filed(request, done)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("attachment")
        try:
            case, _created = portal_file_case(
                name=data["name"],
                phone=data["phone"],
                email=data.get("email") or "",
                case_type=case_type,
                category=data.get("category") or "",
                title=data["title"],
                description=data["description"],
                is_anonymous=bool(data.get("is_anonymous")),
                fields=form.field_values(),
                uploads=[upload] if upload else [],
                token=token,
            )
        except ValidationError as exc:  # the customer file refused the name or phone
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"phone": exc.messages}
            for name, msgs in errors.items():
                target = {"contact_name": "name", "name": "name", "phone": "phone"}.get(name)
                for msg in msgs:
                    form.add_error(target, msg)
        except ApplicationError as exc:
            _add_service_errors(form, exc)
        else:
            return _to_filed(request, case)
    label = doc.case_types[case_type].label
    return render(request, "portal/file.html", {"form": form, "form_token": token, "type_label": label})


def _add_service_errors(form: CaseForm, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)
    names = {"file": "attachment", "contact_name": "name"}
    for name, errors in (exc.extra or {}).items():
        target = service_error_target(name) or names.get(name, name)
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(target if target in form.fields else None, str(error))


def _to_filed(request: HttpRequest, case: Case) -> HttpResponse:
    _grant(request, case)
    request.session["portal_filed"] = case.number
    return redirect("portal:filed")


@require_GET
def filed(request: HttpRequest) -> HttpResponse:
    number = request.session.get("portal_filed") or ""
    case = _granted_case(request, number) if number else None
    if case is None:
        return redirect("portal:home")
    return render(request, "portal/filed.html", {"case": case})


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    request_form = CodeRequestForm(prefix="ask")
    code_form = CodeForm(prefix="code")
    sent = False
    if request.method == "POST" and request.POST.get("step") == "ask":
        request_form = CodeRequestForm(request.POST, prefix="ask")
        number = str(request.POST.get("ask-number", "")).strip().upper()
        if limited := _limited(request, number=number):
            return limited
        if request_form.is_valid():
            tracking_code_send(number=number, phone=request_form.cleaned_data["phone"])
            sent = True
            # Fresh forms: the page shows nothing of what was typed but the case number, the same page
            # whether a code was sent or not.
            request_form = CodeRequestForm(prefix="ask", initial={"number": number})
            code_form = CodeForm(prefix="code", initial={"number": number})
    elif request.method == "POST":
        code_form = CodeForm(request.POST, prefix="code")
        number = str(request.POST.get("code-number", "")).strip().upper()
        if limited := _limited(request, number=number):
            return limited
        if code_form.is_valid():
            case = tracking_code_check(number=number, code=code_form.cleaned_data["code"])
            if case is not None:
                _grant(request, case)
                return redirect("portal:case", number=case.number)
        # One answer for every failure (unknown number, wrong, expired, used or locked code); the code
        # typed is not shown again.
        code_form = CodeForm(prefix="code", initial={"number": number})
        code_form.failed = _failed()
    minutes = int(getattr(settings, "KEFU_PORTAL_CODE_MINUTES", 10))
    context = {"request_form": request_form, "code_form": code_form, "sent": sent, "code_minutes": minutes}
    return render(request, "portal/track.html", context, status=200)


@require_GET
def link(request: HttpRequest, token: str) -> HttpResponse:
    if limited := _limited(request):
        return limited
    case = case_for_link(token)
    if case is None:
        context = {
            "title": _("This link cannot be used"),
            "message": _(
                "The link has expired or is not complete. Follow your case with its number and a code sent to your phone."
            ),
            "track": True,
        }
        return render(request, "portal/message.html", context, status=410)
    _grant(request, case)
    return redirect("portal:case", number=case.number)


@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = _granted_case(request, number)
    if case is None:
        messages.info(request, _("Enter the case number and the code we send to your phone to see the case."))
        return redirect("portal:track")
    return render(request, "portal/case.html", {"view": case_for_customer(case), "form": AnswerForm()})


@require_POST
def answer(request: HttpRequest, number: str) -> HttpResponse:
    case = _granted_case(request, number)
    if case is None:
        return redirect("portal:track")
    if limited := _limited(request):
        return limited
    form = AnswerForm(request.POST)
    accept = request.POST.get("answer") == "accept"
    version = request.POST.get("version", "")
    if form.is_valid() and version.isdigit():
        try:
            portal_answer(case=case, accept=accept, reason=form.cleaned_data["reason"], expected_version=int(version))
        except ConflictError:
            messages.warning(request, _("The case changed while you were reading it. Here it is as it is now."))
            return redirect("portal:case", number=case.number)
        except ApplicationError as exc:
            for name, errors in (exc.extra or {}).items():
                for error in errors if isinstance(errors, list) else [errors]:
                    form.add_error("reason" if name == "reason" else None, str(error))
            if not exc.extra:
                form.add_error(None, exc.message)
        else:
            if accept:
                messages.success(request, _("Thank you. We recorded that you accept the outcome."))
            else:
                messages.success(
                    request, _("We recorded that you do not accept the outcome and opened a new case to look again.")
                )
            return redirect("portal:case", number=case.number)
    return render(request, "portal/case.html", {"view": case_for_customer(case), "form": form}, status=400)


@require_POST
def survey(request: HttpRequest) -> HttpResponse:
    """The survey code from an invitation → kefu.visits' answer page (/s/<token>/), which decides."""
    form = SurveyLinkForm(request.POST)
    token = form.cleaned_data["token"].strip() if form.is_valid() else ""
    if not (token.isascii() and token.isprintable() and "/" not in token) or not token:
        if form.is_valid():
            form.add_error("token", _("Enter the code as it is written in your invitation."))
        doc = _doc()
        context = {"types": portal_case_types(doc) if doc is not None else [], "survey_form": form}
        return render(request, "portal/home.html", context, status=400)
    return redirect(reverse("survey:answer", args=[token]))
