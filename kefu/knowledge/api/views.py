"""Knowledge API: articles (search, versions, "solved it"), categories, reply templates (filled in for a
case), call scripts, the 服务忌语 check, the greeting of a day, and override counts for appraisal."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.cases.models import Case
from kefu.cases.textchecks import TextCheckContext
from kefu.knowledge.api.serializers import (
    ArticleInputSerializer,
    ArticleListSerializer,
    ArticleSerializer,
    ArticleSolvedInputSerializer,
    ArticleUpdateSerializer,
    ArticleVersionSerializer,
    CallScriptSerializer,
    CategorySerializer,
    GreetingSerializer,
    OverrideCountSerializer,
    RenderedTemplateSerializer,
    ReplyTemplateSerializer,
    TabooCheckInputSerializer,
    TextFindingSerializer,
)
from kefu.knowledge.models import Article, CallScript, Category, ReplyTemplate
from kefu.knowledge.replies import greeting_for, render_text, service_language_for_rulebook, values_for_case
from kefu.knowledge.selectors import article_search, articles_visible_to, override_counts, templates_for_case
from kefu.knowledge.services import (
    article_create,
    article_mark_solved,
    article_update,
    is_editor,
    may_edit_article,
    reads_internal,
    reply_template_save,
)
from kefu.knowledge.taboo import taboo_check

__all__ = (
    "ArticleViewSet",
    "CallScriptViewSet",
    "CategoryViewSet",
    "EditsTemplates",
    "GreetingView",
    "OverrideCountsView",
    "ReadsInternal",
    "ReplyTemplateViewSet",
    "TabooCheckView",
)

_NOT_AN_EDITOR = gettext_lazy("Only supervisors, managers, quality staff and administrators write articles.")
_NOT_THE_OWNER = gettext_lazy("Only the article's owner or an editor may change it.")
_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: {detail, errors: {field: [messages]}}"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not do this."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such object, or not one you may see."),
}


class ReadsInternal(BasePermission):
    """Reply templates and call scripts are internal: for staff with a role (`reads_internal`)."""

    message = gettext_lazy("Your account has no role yet: ask an administrator to give you one.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return reads_internal(request.user)


class EditsTemplates(BasePermission):
    """Writing templates is for the editing roles; checked before the input, so others get 403."""

    message = gettext_lazy("Only supervisors, managers, quality staff and administrators edit templates.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_editor(request.user)


def _input(serializer_class: type, request: Request, **context: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="Articles; with ?q= a Chinese full-text search, best match first",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Search words (jieba-segmented; all words, else any)."),
            OpenApiParameter("category", OpenApiTypes.INT, description="Only this knowledge category."),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page of search results (20 each)."),
        ],
        responses={200: ArticleListSerializer(many=True)},
    ),
    retrieve=extend_schema(summary="One article", responses={200: ArticleSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="Write an article (version 1)",
        request=ArticleInputSerializer,
        responses={201: ArticleSerializer, **_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change an article: a new version (409 if `version` is stale)",
        request=ArticleUpdateSerializer,
        responses={
            200: ArticleSerializer,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale version."),
            **_ERRORS,
        },
    ),
)
class ArticleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Articles are never deleted; retire one with status `retired`. Every change is a new version."""

    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Article]:
        return articles_visible_to(self.request.user).select_related("category", "owner").order_by("-updated_at", "-id")

    def get_serializer_class(self) -> type:
        return ArticleListSerializer if self.action == "list" else ArticleSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            return super().list(request, *args, **kwargs)
        category = request.query_params.get("category", "")
        page = request.query_params.get("page", "1")
        results = article_search(
            user=request.user,
            query=query[:200],
            category_ids=[int(category)] if category.isdigit() else None,
            page=int(page) if page.isdigit() and 0 < int(page) < 1000 else 1,
        )
        data = ArticleListSerializer(results.articles, many=True, context=self.get_serializer_context()).data
        return Response(
            {"results": data, "has_more": results.has_more, "all_words": results.all_words, "words": results.words}
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not is_editor(request.user):  # before the input: a reader learns nothing from its errors
            raise PermissionDenied(_NOT_AN_EDITOR)
        data = _input(ArticleInputSerializer, request)
        article = article_create(actor=request.user, **data)
        return Response(
            ArticleSerializer(article, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        if not may_edit_article(request.user, article):
            raise PermissionDenied(_NOT_THE_OWNER)
        data = _input(ArticleUpdateSerializer, request)
        version = data.pop("version")
        note = data.pop("change_note", "")
        article = article_update(
            article=article, expected_version=version, actor=request.user, change_note=note, **data
        )
        return Response(ArticleSerializer(article, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Every version of the article, newest first", responses={200: ArticleVersionSerializer(many=True)}
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        return Response(
            ArticleVersionSerializer(article.versions.select_related("edited_by").order_by("-number"), many=True).data
        )

    @extend_schema(
        summary="“This article solved it” for a case (counted once per case)",
        request=ArticleSolvedInputSerializer,
        responses={
            201: OpenApiResponse(ArticleSerializer, description="Counted."),
            200: OpenApiResponse(ArticleSerializer, description="Already counted for this case."),
            **_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def solved(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        data = _input(ArticleSolvedInputSerializer, request)
        counted = article_mark_solved(article=article, case=data["case"], actor=request.user)
        article.refresh_from_db()
        body = ArticleSerializer(article, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if counted else status.HTTP_200_OK)


@extend_schema_view(list=extend_schema(summary="Active knowledge categories"))
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = Category.objects.filter(is_active=True).order_by("sort", "name")


@extend_schema_view(
    list=extend_schema(
        summary="Reply templates; with ?case= only those that fit the case (most specific first)",
        parameters=[
            OpenApiParameter("case", OpenApiTypes.INT, description="A case id: templates for its type and stage."),
            OpenApiParameter("purpose", OpenApiTypes.STR, description="reply (default) or note."),
        ],
        responses={200: ReplyTemplateSerializer(many=True), 404: _ERRORS[404]},
    ),
    create=extend_schema(summary="Create a template (editors)", responses={201: ReplyTemplateSerializer, **_ERRORS}),
    partial_update=extend_schema(
        summary="Change a template (editors)", responses={200: ReplyTemplateSerializer, **_ERRORS}
    ),
)
class ReplyTemplateViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated, ReadsInternal, EditsTemplates]
    serializer_class = ReplyTemplateSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch"]

    def get_queryset(self) -> QuerySet[ReplyTemplate]:
        return ReplyTemplate.objects.order_by("sort", "name")

    def _case(self, raw: str) -> Case:
        if not raw.isdigit():
            raise ValidationError({"case": ["A case id."]})
        return get_object_or_404(
            Case.objects.visible_to(self.request.user).select_related("rulebook_version__rulebook"), pk=raw
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.query_params.get("case", "")
        if not raw:
            return Response(self.get_serializer(self.get_queryset().filter(is_active=True), many=True).data)
        purpose = "note" if request.query_params.get("purpose") == "note" else "reply"
        return Response(self.get_serializer(templates_for_case(self._case(raw), purpose), many=True).data)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = reply_template_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        template = serializer.instance
        values = {
            f: serializer.validated_data.get(f, getattr(template, f))
            for f in ReplyTemplateSerializer.Meta.fields
            if f not in ("id", "updated_at")
        }
        serializer.instance = reply_template_save(actor=self.request.user, template=template, **values)

    @extend_schema(
        summary="The template filled in for a case",
        parameters=[OpenApiParameter("case", OpenApiTypes.INT, required=True)],
        responses={200: RenderedTemplateSerializer, 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def render(self, request: Request, pk: str | None = None) -> Response:
        template = get_object_or_404(ReplyTemplate, pk=pk, is_active=True)
        case = self._case(request.query_params.get("case", ""))
        rendered = render_text(template.body, values_for_case(case, request.user))
        return Response({"text": rendered.text, "missing": rendered.missing})


@extend_schema_view(
    list=extend_schema(summary="Active call scripts with today's opening"),
    retrieve=extend_schema(summary="One call script"),
)
class CallScriptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, ReadsInternal]
    serializer_class = CallScriptSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[CallScript]:
        return CallScript.objects.filter(is_active=True).prefetch_related("steps").order_by("name")


class TabooCheckView(APIView):
    """Check a text for 服务忌语 before sending it (the same check the reply and note services apply)."""

    @extend_schema(
        summary="Find 服务忌语 in a text for a case (nothing is saved)",
        request=TabooCheckInputSerializer,
        responses={200: TextFindingSerializer(many=True), **_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _input(TabooCheckInputSerializer, request)
        context = TextCheckContext(case=data["case"], actor=request.user, field="text", purpose="reply")
        return Response([asdict(f) for f in taboo_check(data["text"], context)])


class GreetingView(APIView):
    @extend_schema(
        summary="The opening phrase of a day (holiday greetings from the working calendar)",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today."),
            OpenApiParameter("rulebook", OpenApiTypes.STR, description="Default: the default rulebook."),
        ],
        responses={200: GreetingSerializer},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("date", "")
        try:
            day = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise ValidationError({"date": ["YYYY-MM-DD."]})
        key = request.query_params.get("rulebook", "")[:60]
        greeting = greeting_for(section=service_language_for_rulebook(key), day=day)
        return Response({"date": day, "rulebook": key, "greeting": greeting})


class OverrideCountsView(APIView):
    @extend_schema(
        summary="Per person: customer texts sent despite 服务忌语 warnings in a month (supervisors and above)",
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM; default this month.")],
        responses={200: OverrideCountSerializer(many=True), 403: _ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not (user.is_superuser or user.sees_everything or user.sees_unit):
            raise PermissionDenied
        raw = request.query_params.get("month", "")
        try:
            first = datetime.strptime(raw, "%Y-%m").date() if raw else timezone.localdate().replace(day=1)
        except ValueError:
            raise ValidationError({"month": ["YYYY-MM."]})
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        rows = override_counts(
            start=timezone.make_aware(datetime.combine(first, time.min)),
            end=timezone.make_aware(datetime.combine(following, time.min)),
            unit_path=None if (user.is_superuser or user.sees_everything) else user.unit.path,
        )
        return Response(OverrideCountSerializer(rows, many=True).data)
