"""Return-visit API: visit tasks (list, one, plan by hand, record, not reachable / call me later,
cancel) and survey rounds with their per-item results."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kefu.customers.models import Contact, Customer
from kefu.org.models import User
from kefu.visits.api.serializers import (
    CancelInputSerializer,
    RecordInputSerializer,
    RescheduleInputSerializer,
    RoundResultSerializer,
    ScheduleInputSerializer,
    SurveyRoundSerializer,
    VisitTaskSerializer,
)
from kefu.visits.choices import VisitStatus
from kefu.visits.models import SurveyRound, VisitTask
from kefu.visits.services import visit_cancel, visit_record, visit_reschedule, visit_schedule
from kefu.visits.surveys import may_run_surveys, round_result

__all__ = ("SurveyRoundViewSet", "VisitTaskViewSet")

_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: {detail, errors: {field: [messages]}}"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not the visitor or a supervisor of their unit."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such visit, or not one you may see."),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="The visit changed since you read it (version)."),
}


def _input(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="Visits you may see: yours, your unit's for supervisors, all for the all-seeing roles",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=VisitStatus.values),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="Only the visits you are to make."),
            OpenApiParameter("due_before", OpenApiTypes.DATE, description="Due on or before this day."),
        ],
        responses={200: VisitTaskSerializer(many=True), 400: _ERRORS[400]},
    ),
    retrieve=extend_schema(summary="One visit", responses={200: VisitTaskSerializer, 404: _ERRORS[404]}),
    create=extend_schema(
        summary="Plan a visit by hand (for yourself, or as a supervisor of the visitor's unit)",
        request=ScheduleInputSerializer,
        responses={
            201: VisitTaskSerializer,
            400: _ERRORS[400],
            403: _ERRORS[403],
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such customer you may see, or no such visitor."),
        },
    ),
)
class VisitTaskViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = VisitTaskSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet:
        qs = (
            VisitTask.objects.visible_to(self.request.user)
            .select_related("customer", "case", "rulebook_version", "record__follow_up_case")
            .prefetch_related(Prefetch("customer__contacts", queryset=Contact.objects.order_by("pk")))
            .order_by("-id")
        )
        if self.action != "list":
            return qs
        from django.utils.dateparse import parse_date
        from rest_framework.exceptions import ValidationError

        params = self.request.query_params
        if (value := params.get("status")) is not None:
            if value not in VisitStatus.values:
                raise ValidationError({"status": ["Unknown status."]})
            qs = qs.filter(status=value)
        if params.get("mine") in ("true", "1"):
            qs = qs.filter(visitor=self.request.user)
        if (value := params.get("due_before")) is not None:
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if day is None:
                raise ValidationError({"due_before": ["A date: YYYY-MM-DD."]})
            qs = qs.filter(due_date__lte=day)
        return qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(ScheduleInputSerializer, request)
        customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=data.pop("customer"))
        visitor = get_object_or_404(User.objects.filter(is_active=True), pk=data.pop("visitor"))
        task = visit_schedule(actor=request.user, customer=customer, visitor=visitor, **data)
        return Response(VisitTaskSerializer(self.get_queryset().get(pk=task.pk)).data, status=status.HTTP_201_CREATED)

    def _done(self, task: VisitTask) -> Response:
        return Response(VisitTaskSerializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(
        summary="Record the visit: questionnaire answers, the customer's words, signature (same day)",
        request=RecordInputSerializer,
        responses={200: VisitTaskSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = _input(RecordInputSerializer, request)
        visit_record(task=task, actor=request.user, expected_version=data.pop("version"), **data)
        return self._done(task)

    @extend_schema(
        summary="Not reachable / call me later: one attempt; the rulebook's limit closes it as not reachable",
        request=RescheduleInputSerializer,
        responses={200: VisitTaskSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = _input(RescheduleInputSerializer, request)
        task = visit_reschedule(task=task, actor=request.user, expected_version=data.pop("version"), **data)
        return self._done(task)

    @extend_schema(
        summary="Cancel a visit with a reason (a call-back: supervisors only)",
        request=CancelInputSerializer,
        responses={200: VisitTaskSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = _input(CancelInputSerializer, request)
        task = visit_cancel(task=task, actor=request.user, expected_version=data["version"], reason=data["reason"])
        return self._done(task)


@extend_schema_view(
    list=extend_schema(summary="Survey rounds (supervisors, managers, quality, leadership)"),
    retrieve=extend_schema(summary="One survey round", responses={200: SurveyRoundSerializer, 404: _ERRORS[404]}),
)
class SurveyRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SurveyRoundSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet:
        if not may_run_surveys(self.request.user):
            return SurveyRound.objects.none()
        return SurveyRound.objects.select_related("survey").order_by("-id")

    @extend_schema(
        summary="Per-item satisfaction (satisfied ÷ answers), response rate, and whether the round is valid",
        responses={200: RoundResultSerializer, 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        result = round_result(self.get_object())
        data = {
            "invited": result.invited,
            "responded": result.responded,
            "response_rate": result.response_rate,
            "threshold_percent": result.threshold_percent,
            "valid": result.valid,
            "items": [
                {"code": i.code, "text": i.text, "answers": i.answers, "satisfied": i.satisfied, "rate": i.rate}
                for i in result.items
            ],
        }
        return Response(RoundResultSerializer(data).data)
