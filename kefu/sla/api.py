"""Deadline clocks, the inbox and the overdue board over REST.

Clocks are a sub-resource of the case (`/cases/{id}/clocks/`) rather than a field of the case detail:
time left is computed against the clock's working calendar at request time, and keeping it out of
the case detail keeps that payload (and its cost) unchanged for clients that do not need it. A case
the user may not see is 404 here too, so these endpoints never confirm that a case exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.cases.models import Case
from kefu.sla.inbox import notification_mark_read, notifications_mark_all_read
from kefu.sla.models import Clock, ClockNotice, Notification
from kefu.sla.selectors import (
    Engines,
    board_allowed,
    clock_state,
    clock_time_left,
    inbox,
    overdue_board,
)

__all__ = ("BoardView", "CaseClockExtendView", "CaseClockPromiseView", "CaseClocksView", "NotificationViewSet")

_NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="No such case or clock, or not one you may see.")


# --------------------------------------------------------------------------------------------------
# Serializers


class ClockNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockNotice
        fields = ["kind", "level", "fired_at"]


class ClockSerializer(serializers.ModelSerializer):
    """A clock with `state` and `minutes_left` computed at request time (context `now`, `engines`).

    `minutes_left` is in the clock's measure (`working_measure`: working minutes, else elapsed
    minutes), negative when overdue, null without a deadline.
    """

    state = serializers.SerializerMethodField()
    minutes_left = serializers.SerializerMethodField()
    notices = ClockNoticeSerializer(many=True, read_only=True)

    class Meta:
        model = Clock
        fields = [
            "id",
            "key",
            "label",
            "rule",
            "amount",
            "unit",
            "working_measure",
            "status",
            "state",
            "started_at",
            "deadline",
            "warn_at",
            "stopped_at",
            "minutes_left",
            "allowed_minutes",
            "used_minutes",
            "extended_minutes",
            "escalation_level",
            "awaiting_promise",
            "promised_at",
            "notices",
        ]

    def get_state(self, clock: Clock) -> str:
        return clock_state(clock, self.context["now"])

    def get_minutes_left(self, clock: Clock) -> int | None:
        return clock_time_left(clock, self.context["now"], self.context["engines"])


class ClockExtendSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The case version you saw (409 if stale).")
    amount = serializers.IntegerField(min_value=1, max_value=100_000)
    unit = serializers.CharField(max_length=20, help_text="A duration unit, e.g. working_days (docs/calendars.md).")
    reason = serializers.CharField()
    customer_consent = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Whether the customer agreed; required (true) where the rulebook's extension says so.",
    )


class ClockPromiseSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The case version you saw (409 if stale).")
    deadline = serializers.DateTimeField(
        help_text="The time promised to the customer, to the minute; within the rulebook's bounds (docs/sla.md)."
    )
    reason = serializers.CharField(max_length=500)


class NotificationSerializer(serializers.ModelSerializer):
    case = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "case", "created_at", "read_at"]

    def get_case(self, n: Notification) -> dict[str, Any] | None:
        return {"id": n.case_id, "number": n.case.number} if n.case_id else None


class BoardRowSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(source="case.pk")
    case_number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    clock = serializers.SerializerMethodField()

    def get_clock(self, row: dict[str, Any]) -> dict[str, Any]:
        clock = row["clock"]
        return {
            "id": clock.pk,
            "key": clock.key,
            "label": clock.label,
            "deadline": serializers.DateTimeField().to_representation(clock.deadline),
            "state": row["state"],
            "minutes_left": row["left"],
            "working_measure": clock.working_measure,
            "escalation_level": clock.escalation_level,
        }


# --------------------------------------------------------------------------------------------------
# Views


def _clock_context(request: Request) -> dict[str, Any]:
    return {"request": request, "now": timezone.now(), "engines": Engines()}


def _visible_case(request: Request, pk: Any) -> Case:
    if not str(pk).isdigit() or int(pk) > 2**63 - 1:
        raise Http404
    return get_object_or_404(Case.objects.visible_to(request.user), pk=pk)


class CaseClocksView(APIView):
    @extend_schema(
        summary="The case's deadline clocks with time left",
        responses={200: ClockSerializer(many=True), 404: _NOT_FOUND},
    )
    def get(self, request: Request, pk: str) -> Response:
        case = _visible_case(request, pk)
        clocks = (
            Clock.objects.filter(case=case)
            .select_related("calendar")
            .prefetch_related("notices")
            .order_by("started_at", "id")
        )
        return Response(ClockSerializer(clocks, many=True, context=_clock_context(request)).data)


class CaseClockExtendView(APIView):
    @extend_schema(
        summary="Extend a deadline (the rulebook names who may, and by how much at most)",
        request=ClockExtendSerializer,
        responses={
            200: ClockSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input or over the rulebook's limit."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not extend this deadline."),
            404: _NOT_FOUND,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale version: reload the case and try again."),
        },
    )
    def post(self, request: Request, pk: str, clock_id: int) -> Response:
        from kefu.sla.extensions import clock_extend

        case = _visible_case(request, pk)
        clock = get_object_or_404(Clock.objects.select_related("calendar"), pk=clock_id, case=case)
        data = ClockExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock = clock_extend(
            clock=clock,
            actor=request.user,
            amount=data.validated_data["amount"],
            unit=data.validated_data["unit"],
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
            customer_consent=data.validated_data["customer_consent"],
        )
        fresh = Clock.objects.select_related("calendar").prefetch_related("notices").get(pk=clock.pk)
        return Response(ClockSerializer(fresh, context=_clock_context(request)).data)


class CaseClockPromiseView(APIView):
    @extend_schema(
        summary="Set or change the time promised to the customer (a `promise:` clock)",
        request=ClockPromiseSerializer,
        responses={
            200: ClockSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Not a promised clock, or outside its bounds."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not promise this time."),
            404: _NOT_FOUND,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale version: reload the case and try again."),
        },
    )
    def post(self, request: Request, pk: str, clock_id: int) -> Response:
        from kefu.sla.extensions import clock_promise

        case = _visible_case(request, pk)
        clock = get_object_or_404(Clock.objects.select_related("calendar"), pk=clock_id, case=case)
        data = ClockPromiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock = clock_promise(
            clock=clock,
            actor=request.user,
            deadline=data.validated_data["deadline"],
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
        )
        fresh = Clock.objects.select_related("calendar").prefetch_related("notices").get(pk=clock.pk)
        return Response(ClockSerializer(fresh, context=_clock_context(request)).data)


@extend_schema_view(list=extend_schema(summary="Your own notifications, newest first (?unread=1 for unread only)"))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    # The schema reads the id type from here; get_queryset() is what restricts rows to the user.
    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Notification]:
        return inbox(self.request.user, unread_only=self.request.query_params.get("unread") == "1")

    @extend_schema(summary="Mark one of your notifications read", request=None, responses={204: None, 404: _NOT_FOUND})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        if not str(pk).isdigit() or not notification_mark_read(user=request.user, notification_id=int(pk)):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description='{"marked": n}')},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user=request.user)})


class BoardView(APIView):
    @extend_schema(
        summary="Overdue and due-soon deadlines by responsible unit (supervisors, managers, all-seeing roles)",
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"truncated": bool, "groups": [{"unit": {id, code, name} | null, "overdue", '
                '"warning", "max_level", "rows": [{case_id, case_number, title, clock: {...}}]}]}',
            ),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role has no board."),
        },
    )
    def get(self, request: Request) -> Response:
        if not board_allowed(request.user):
            raise PermissionDenied()
        groups, truncated = overdue_board(request.user, timezone.now())
        return Response(
            {
                "truncated": truncated,
                "groups": [
                    {
                        "unit": {"id": g.unit.pk, "code": g.unit.code, "name": g.unit.name} if g.unit else None,
                        "overdue": g.overdue,
                        "warning": g.warning,
                        "max_level": g.max_level,
                        "rows": BoardRowSerializer(g.rows, many=True).data,
                    }
                    for g in groups
                ],
            }
        )
