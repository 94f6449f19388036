"""The survey answer page a customer opens from their link, without logging in: /s/<token>/.

CSRF-protected like every form, rate-limited per client address (KEFU_SURVEY_RATE requests per
KEFU_SURVEY_RATE_SECONDS, through Django's cache), and it never says whether a token exists: an
unknown, expired, closed or answered link gets the same kind of "closed" page (HTTP 404 or 410)
without the survey's questions."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.core.exceptions import ApplicationError
from kefu.org.lockout import client_ip
from kefu.visits.choices import RoundStatus
from kefu.visits.forms import QuestionnaireForm
from kefu.visits.models import SurveyInvitation
from kefu.visits.surveys import SurveyClosed, survey_answer

__all__ = ("answer",)


def _over_limit(request: HttpRequest) -> bool:
    limit = int(getattr(settings, "KEFU_SURVEY_RATE", 30))
    window = int(getattr(settings, "KEFU_SURVEY_RATE_SECONDS", 600))
    key = f"visits:survey-rate:{client_ip(request) or 'unknown'}:{int(timezone.now().timestamp()) // window}"
    if cache.add(key, 1, timeout=window):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        return False


def _closed(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "visits/survey_closed.html", {"message": message}, status=status)


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if _over_limit(request):
        response = _closed(request, _("Too many requests from your network. Please try again in a few minutes."), 429)
        response["Retry-After"] = str(int(getattr(settings, "KEFU_SURVEY_RATE_SECONDS", 600)))
        return response
    invitation = (
        SurveyInvitation.objects.select_related("round__survey").filter(token=token[:64]).first() if token else None
    )
    if invitation is None:
        return _closed(request, _("This survey link is not valid."), 404)
    round_ = invitation.round
    if invitation.answered_at is not None:
        return _closed(request, _("This survey has already been answered. Thank you."), 410)
    if round_.status != RoundStatus.OPEN or round_.expires_at <= timezone.now():
        return _closed(request, _("This survey has closed."), 410)
    questionnaire = {"questions": round_.survey.questions}
    initial = {"version": 1}
    form = QuestionnaireForm(request.POST or None, questionnaire=questionnaire, signature=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(token=invitation.token, answers=form.answers())
        except SurveyClosed as exc:
            return _closed(request, exc.message, 410)
        except ApplicationError as exc:
            for name, errors in exc.extra.items():
                field = f"q_{name[8:]}" if name.startswith("answers.") else None
                for error in errors:
                    form.add_error(field if field in form.fields else None, str(error))
        else:
            return render(request, "visits/survey_thanks.html", {"survey": round_.survey})
    status = 400 if request.method == "POST" else 200
    return render(request, "visits/survey_answer.html", {"survey": round_.survey, "form": form}, status=status)
