"""Knowledge screens: search (also from a case, prefilled), articles and their versions, reply
templates, call scripts, the service-phrase list and the override counts; and the public help pages."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.cases.models import Case
from kefu.core.exceptions import ApplicationError, ConflictError
from kefu.knowledge.forms import ArticleForm, ScriptCallForm, SearchForm, TemplateForm
from kefu.knowledge.models import CallScript, ReplyTemplate
from kefu.knowledge.replies import render_text, service_language_for_rulebook, values_for_case
from kefu.knowledge.selectors import (
    article_search,
    articles_visible_to,
    categories_for_case_category,
    override_counts,
    stale_articles,
)
from kefu.knowledge.services import (
    article_create,
    article_mark_solved,
    article_restore,
    article_update,
    is_editor,
    may_edit_article,
    reads_internal,
    reply_template_save,
    script_call_register,
    script_opening,
)

PAGE_SIZE = 20


def _errors_into(form: Any, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)
    for name, errors in (exc.extra or {}).items():
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(name if name in form.fields else None, str(error))


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1000 else 1


def _require_staff(request: HttpRequest) -> None:
    """Templates and call scripts are internal: not for an account without a role."""
    if not reads_internal(request.user):
        raise PermissionDenied


def _visible_case(request: HttpRequest, number: str) -> Case | None:
    if not number:
        return None
    return Case.objects.visible_to(request.user).select_related("rulebook_version").filter(number=number).first()


# --------------------------------------------------------------------------------------------------
# Search and articles


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The knowledge base. From a case (?case=NUMBER) the case's title and category are prefilled."""
    case = _visible_case(request, request.GET.get("case", ""))
    data = request.GET.copy()
    if case is not None and "q" not in request.GET:
        data["q"] = case.title
        matching = categories_for_case_category(case.category)
        if matching:
            data["category"] = str(matching[0].pk)
    form = SearchForm(data)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        category = form.cleaned_data["category"]
        results = article_search(
            user=request.user,
            query=form.cleaned_data["q"],
            category_ids=[category.pk] if category else None,
            page=_page(request),
            page_size=PAGE_SIZE,
        )
    context = {
        "form": form,
        "results": results,
        "case": case,
        "page": _page(request),
        "stale": stale_articles(today=timezone.localdate()).filter(owner=request.user)[:20],
        "recent": articles_visible_to(request.user).filter(status="published").select_related("category")[:10]
        if results is None
        else [],
        "may_write": is_editor(request.user),
        "reads_internal": reads_internal(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "knowledge/search.html", context)


@login_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(articles_visible_to(request.user).select_related("category", "owner"), pk=pk)
    case = _visible_case(request, request.GET.get("case", ""))
    context = {
        "article": article,
        "case": case,
        "already_solved": case is not None and article.solved.filter(case=case).exists(),
        "versions": article.versions.select_related("edited_by").order_by("-number"),
        "tags": article.tags.all(),
        "may_edit": may_edit_article(request.user, article),
        "stale": article.review_due is not None and article.review_due < timezone.localdate(),
    }
    return render(request, "knowledge/article.html", context)


@login_required
@require_GET
def article_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = get_object_or_404(articles_visible_to(request.user), pk=pk)
    version = get_object_or_404(article.versions.select_related("edited_by"), number=number)
    return render(
        request,
        "knowledge/article_version.html",
        {"article": article, "version": version, "may_edit": may_edit_article(request.user, article)},
    )


@login_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = get_object_or_404(articles_visible_to(request.user), pk=pk) if pk else None
    if (
        article is None
        and not is_editor(request.user)
        or article is not None
        and not may_edit_article(request.user, article)
    ):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    if article is not None:
        initial = {
            "version": article.version,
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "category": article.category_id,
            "tags": " ".join(article.tags.values_list("name", flat=True)),
            "visibility": article.visibility,
            "status": article.status,
            "owner": article.owner_id,
            "review_due": article.review_due,
        }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if article is None:
                article = article_create(
                    actor=request.user, change_note=form.cleaned_data["change_note"], **form.service_values()
                )
            else:
                article = article_update(
                    article=article,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    change_note=form.cleaned_data["change_note"],
                    **form.service_values(),
                )
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Saved as version %(n)s.") % {"n": article.version})
            return redirect("knowledge:article", pk=article.pk)
    return render(
        request, "knowledge/article_form.html", {"form": form, "article": article}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def article_restore_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = get_object_or_404(articles_visible_to(request.user), pk=pk)
    if not may_edit_article(request.user, article):
        raise PermissionDenied
    try:
        article = article_restore(article=article, number=number, expected_version=None, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(n)s restored as version %(m)s.") % {"n": number, "m": article.version})
    return redirect("knowledge:article", pk=article.pk)


@login_required
@require_POST
def article_solved(request: HttpRequest, pk: int) -> HttpResponse:
    """ "This article solved it" for the case the search was started from."""
    article = get_object_or_404(articles_visible_to(request.user), pk=pk)
    case = _visible_case(request, request.POST.get("case", ""))
    if case is None:
        raise Http404
    try:
        counted = article_mark_solved(article=article, case=case, actor=request.user)
    except ConflictError:
        messages.warning(request, _("The case was changed in the meantime; try again."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if counted:
            messages.success(request, _("Noted on case %(number)s: this article solved it.") % {"number": case.number})
        else:
            messages.info(request, _("This article was already noted as the solution of this case."))
    return redirect(f"{reverse('knowledge:article', args=[article.pk])}?{urlencode({'case': case.number})}")


# --------------------------------------------------------------------------------------------------
# Reply templates


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    templates = ReplyTemplate.objects.select_related("updated_by").order_by("-is_active", "sort", "name")
    return render(request, "knowledge/templates.html", {"templates": templates, "may_write": is_editor(request.user)})


@login_required
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not is_editor(request.user):
        raise PermissionDenied
    template = get_object_or_404(ReplyTemplate, pk=pk) if pk else None
    initial = (
        {
            f: getattr(template, f)
            for f in ("name", "body", "purpose", "rulebook", "case_type", "stage", "sort", "is_active")
        }
        if template
        else {}
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reply_template_save(actor=request.user, template=template, **form.cleaned_data)
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("The template was saved."))
            return redirect("knowledge:templates")
    return render(
        request,
        "knowledge/template_form.html",
        {"form": form, "template": template},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def template_render(request: HttpRequest, pk: int) -> JsonResponse:
    """A template filled in for a case the user can see: {"text": ..., "missing": [...]}."""
    _require_staff(request)
    template = get_object_or_404(ReplyTemplate, pk=pk, is_active=True)
    case = _visible_case(request, request.GET.get("case", ""))
    if case is None:
        raise Http404
    rendered = render_text(template.body, values_for_case(case, request.user))
    return JsonResponse({"text": rendered.text, "missing": rendered.missing})


# --------------------------------------------------------------------------------------------------
# Call scripts


@login_required
@require_GET
def script_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    scripts = CallScript.objects.filter(is_active=True).prefetch_related("steps")
    return render(request, "knowledge/scripts.html", {"scripts": scripts})


@login_required
def script_call(request: HttpRequest, code: str) -> HttpResponse:
    """Take a call with the script: say the opening of the day, ask each question, read each answer
    back and tick it, then the call becomes a case."""
    _require_staff(request)
    script = get_object_or_404(CallScript.objects.prefetch_related("steps"), code=code, is_active=True)
    form = ScriptCallForm(request.POST or None, script=script)
    if request.method == "POST" and form.is_valid():
        try:
            run = script_call_register(script=script, actor=request.user, answers=form.answers())
        except ApplicationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Case %(number)s was registered.") % {"number": run.case.number})
            return redirect("web:case", number=run.case.number)
    context = {"script": script, "form": form, "opening": script_opening(script=script, actor=request.user)}
    return render(request, "knowledge/script_call.html", context, status=400 if form.errors else 200)


# --------------------------------------------------------------------------------------------------
# Service phrases and overrides


@login_required
@require_GET
def phrases(request: HttpRequest) -> HttpResponse:
    """The 服务忌语 and 文明用语 of the default rulebook; for supervisors, who sent texts despite warnings."""
    section = service_language_for_rulebook()
    month = request.GET.get("month", "")
    today = timezone.localdate()
    try:
        first = datetime.strptime(month, "%Y-%m").date() if month else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    user = request.user
    counts = None
    if user.is_superuser or user.sees_everything or user.sees_unit:
        counts = override_counts(
            start=timezone.make_aware(datetime.combine(first, time.min)),
            end=timezone.make_aware(datetime.combine(following, time.min)),
            unit_path=None if (user.is_superuser or user.sees_everything) else user.unit.path,
        )
    return render(request, "knowledge/phrases.html", {"section": section, "counts": counts, "month": first})


# --------------------------------------------------------------------------------------------------
# Public help pages (no account): published public articles only


@require_GET
def help_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        from django.contrib.auth.models import AnonymousUser

        results = article_search(
            user=AnonymousUser(), query=form.cleaned_data["q"], page=_page(request), page_size=PAGE_SIZE
        )
    return render(request, "knowledge/help.html", {"form": form, "results": results, "page": _page(request)})


@require_GET
def help_article(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib.auth.models import AnonymousUser

    article = get_object_or_404(articles_visible_to(AnonymousUser()).select_related("category"), pk=pk)
    return render(request, "knowledge/help_article.html", {"article": article})
