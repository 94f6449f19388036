"""Appraisal API: the reward/penalty ledger (propose, decide, correct) and scorecards (compute, approve)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from kefu.appraisal.api.serializers import (
    ComputeInputSerializer,
    CorrectInputSerializer,
    DailyReportInputSerializer,
    DailyReportSerializer,
    DailyReviewInputSerializer,
    DecideInputSerializer,
    LedgerEntrySerializer,
    ProposeInputSerializer,
    ScoreRunDetailSerializer,
    ScoreRunSerializer,
)
from kefu.appraisal.measures import Period
from kefu.appraisal.models import DailyReport
from kefu.appraisal.selectors import daily_reports_to_review, entries_visible_to, runs_visible_to
from kefu.appraisal.services import (
    appraisal_rules,
    daily_report_review,
    daily_report_submit,
    ledger_entry_correct,
    ledger_entry_decide,
    ledger_entry_propose,
    may_decide,
    may_propose,
    scorecard_approve,
    scorecard_compute,
)

__all__ = ("DailyReportViewSet", "LedgerEntryViewSet", "ScoreRunViewSet")

_400 = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: {detail, errors: {field: [messages]}}")
_403 = OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not do this.")
_404 = OpenApiResponse(OpenApiTypes.OBJECT, description="No such object, or not one you may see.")
_409 = OpenApiResponse(OpenApiTypes.OBJECT, description="Already decided, approved or corrected.")
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Send the same key again to get the entry the first request made.",
)


def _input(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="Rewards and penalties you may see (your own; your unit's if you supervise; all for the leadership)",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=["draft", "approved", "rejected"])],
    ),
    retrieve=extend_schema(summary="One reward or penalty", responses={200: LedgerEntrySerializer, 404: _404}),
)
class LedgerEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LedgerEntrySerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet:
        qs = entries_visible_to(self.request.user).order_by("-id")
        wanted = self.request.query_params.get("status") if self.action == "list" else None
        if wanted in ("draft", "approved", "rejected"):
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(
        summary="Propose a reward or penalty (a draft for the rulebook's approver)",
        request=ProposeInputSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: LedgerEntrySerializer, 200: LedgerEntrySerializer, 400: _400, 403: _403, 409: _409},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(ProposeInputSerializer, request)
        key = (request.headers.get("Idempotency-Key") or "").strip()[:90]
        _version, section = appraisal_rules()
        if not may_propose(request.user, data["person"], section):
            raise PermissionDenied(_("You may not enter rewards or penalties for this person."))
        request_key = f"api:{key}" if key else ""
        existed = (
            bool(request_key)
            and entries_visible_to(request.user).filter(proposed_by=request.user, request_key=request_key).exists()
        )
        entry = ledger_entry_propose(actor=request.user, request_key=request_key, **data)
        return Response(
            LedgerEntrySerializer(entry).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Approve or reject a draft (once; never the subject; a manager's own entry only by the GM)",
        request=DecideInputSerializer,
        responses={200: LedgerEntrySerializer, 400: _400, 403: _403, 404: _404, 409: _409},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        _version, section = appraisal_rules()
        if not may_decide(request.user, entry, section):
            raise PermissionDenied(_("You may not decide this entry."))
        data = _input(DecideInputSerializer, request)
        return Response(LedgerEntrySerializer(ledger_entry_decide(entry=entry, actor=request.user, **data)).data)

    @extend_schema(
        summary="Correct an approved entry: drafts the reversing entry",
        request=CorrectInputSerializer,
        responses={201: LedgerEntrySerializer, 400: _400, 403: _403, 404: _404, 409: _409},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        _version, section = appraisal_rules()
        if not may_propose(request.user, entry.person, section):
            raise PermissionDenied(_("You may not correct entries for this person."))
        data = _input(CorrectInputSerializer, request)
        reversal = ledger_entry_correct(entry=entry, actor=request.user, **data)
        return Response(LedgerEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Computed scorecard periods you may see (supervisors: their unit and below)"),
    retrieve=extend_schema(
        summary="One period's scorecards, ranked, with every KPI item",
        responses={200: ScoreRunDetailSerializer, 404: _404},
    ),
)
class ScoreRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ScoreRunSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet:
        qs = runs_visible_to(self.request.user).order_by("-id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("scorecards__items", "scorecards__person", "scorecards__unit")
        return qs

    def get_serializer_class(self) -> type:
        return ScoreRunDetailSerializer if self.action == "retrieve" else ScoreRunSerializer

    @extend_schema(
        summary="Compute (or recompute, until approved) the scorecards of a period for a unit and below",
        request=ComputeInputSerializer,
        responses={201: ScoreRunDetailSerializer, 400: _400, 403: _403, 409: _409},
    )
    @action(detail=False, methods=["post"])
    def compute(self, request: Request) -> Response:
        user = request.user
        if not (user.sees_everything or user.sees_unit):
            raise PermissionDenied(_("You may not compute scorecards."))
        data = _input(ComputeInputSerializer, request)
        run = scorecard_compute(period=Period.of(data["period"], data["day"]), unit=data["unit"], actor=user)
        return Response(ScoreRunDetailSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a period's scorecards: ranks final, consequences drafted in the ledger",
        request=None,
        responses={200: ScoreRunSerializer, 403: _403, 404: _404, 409: _409},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return Response(ScoreRunSerializer(scorecard_approve(run=self.get_object(), actor=request.user)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Daily work reports: your own, and those of the people you review (supervisors: unit and below)",
        parameters=[
            OpenApiParameter("reviewed", OpenApiTypes.BOOL, description="true: reviewed only; false: waiting only"),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="true: your own reports only"),
        ],
    ),
    retrieve=extend_schema(summary="One daily work report", responses={200: DailyReportSerializer, 404: _404}),
)
class DailyReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """篇3 每位客服人员每日工作报告; D11 daily reports built from the records, reviewed by the supervisor."""

    serializer_class = DailyReportSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet:
        from django.db.models import Q

        user = self.request.user
        qs = DailyReport.objects.select_related("person", "reviewed_by").filter(
            Q(person=user) | Q(pk__in=daily_reports_to_review(user).values("pk"))
        )
        params = self.request.query_params if self.action == "list" else {}
        if params.get("mine") == "true":
            qs = qs.filter(person=user)
        if params.get("reviewed") in ("true", "false"):
            qs = qs.filter(reviewed_at__isnull=params["reviewed"] == "false")
        return qs.order_by("-day", "-id")

    @extend_schema(
        summary="Write (or rewrite, until reviewed) your report of a day; the figures come from the records",
        request=DailyReportInputSerializer,
        responses={201: DailyReportSerializer, 200: DailyReportSerializer, 400: _400, 409: _409},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(DailyReportInputSerializer, request)
        # One report per person and day: sending it again rewrites it (200) rather than adding one.
        existed = DailyReport.objects.filter(person=request.user, day=data["day"]).exists()
        report = daily_report_submit(person=request.user, **data)
        return Response(
            DailyReportSerializer(report).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Review a report once (a supervisor or manager of the person's unit or above)",
        request=DailyReviewInputSerializer,
        responses={200: DailyReportSerializer, 400: _400, 403: _403, 404: _404, 409: _409},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        report = self.get_object()
        data = _input(DailyReviewInputSerializer, request)
        return Response(DailyReportSerializer(daily_report_review(report=report, actor=request.user, **data)).data)
