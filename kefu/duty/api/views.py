"""Duty API: patterns, rosters (create, fill, publish), shifts (check in), swaps (ask, decide),
the handover log, and who is on duty in a unit at a moment."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.duty.api.serializers import (
    CheckInSerializer,
    HandoverInputSerializer,
    HandoverSerializer,
    OnDutySerializer,
    RosterInputSerializer,
    RosterSerializer,
    RotationInputSerializer,
    ShiftInputSerializer,
    ShiftPatternSerializer,
    ShiftSerializer,
    SwapDecisionSerializer,
    SwapInputSerializer,
    SwapSerializer,
)
from kefu.duty.models import HandoverEntry, Shift, ShiftPattern, SwapRequest
from kefu.duty.selectors import handovers_visible_to, nearest_staff_on_duty, rosters_visible_to, staff_on_duty
from kefu.duty.services import (
    handover_receive,
    handover_write,
    roster_add_shift,
    roster_create,
    roster_fill_rotation,
    roster_publish,
    shift_check_in,
    supervises,
    swap_decide,
    swap_request,
    swap_withdraw,
)
from kefu.org.models import OrgUnit

__all__ = ("HandoverViewSet", "OnDutyView", "RosterViewSet", "ShiftPatternViewSet", "ShiftViewSet", "SwapViewSet")

_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: {detail, errors: {field: [messages]}}"),
    403: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Your role may not do this (supervisors only, or not yours)."
    ),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such object, or not one you may see."),
}


def _input(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(list=extend_schema(summary="Active shift patterns"))
class ShiftPatternViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ShiftPatternSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = ShiftPattern.objects.filter(is_active=True).order_by("start", "name")


@extend_schema_view(
    list=extend_schema(summary="Rosters of the units you belong to or supervise"),
    retrieve=extend_schema(summary="One roster"),
    create=extend_schema(
        summary="Create a draft roster for a unit and month (its supervisors)",
        request=RosterInputSerializer,
        responses={201: RosterSerializer, **_ERRORS},
    ),
)
class RosterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = RosterSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet:
        return rosters_visible_to(self.request.user).order_by("-id")

    def _to_edit(self) -> Any:
        """The roster (404 when not visible), refused with 403 before its input is read for
        anyone but its supervisors."""
        roster = self.get_object()
        if not supervises(self.request.user, roster.unit):
            raise PermissionDenied(
                _("Only a supervisor of %(unit)s may change its roster.") % {"unit": roster.unit.name}
            )
        return roster

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        roster = roster_create(actor=request.user, **_input(RosterInputSerializer, request))
        return Response(RosterSerializer(roster).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Fill the roster with a rotation: one shift a day, people in turn",
        request=RotationInputSerializer,
        responses={201: ShiftSerializer(many=True), **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def rotation(self, request: Request, pk: str | None = None) -> Response:
        roster = self._to_edit()
        shifts = roster_fill_rotation(roster=roster, actor=request.user, **_input(RotationInputSerializer, request))
        return Response(ShiftSerializer(shifts, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Add one shift", request=ShiftInputSerializer, responses={201: ShiftSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def shifts(self, request: Request, pk: str | None = None) -> Response:
        roster = self._to_edit()
        shift = roster_add_shift(roster=roster, actor=request.user, **_input(ShiftInputSerializer, request))
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish the roster: its shifts count from now on",
        request=None,
        responses={200: RosterSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return Response(RosterSerializer(roster_publish(roster=self.get_object(), actor=request.user)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Shifts of the rosters you may see",
        parameters=[
            OpenApiParameter("roster", OpenApiTypes.INT),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="Only your own shifts."),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="Shifts ending after this moment."),
        ],
    ),
    retrieve=extend_schema(summary="One shift"),
)
class ShiftViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ShiftSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Shift]:
        rosters = rosters_visible_to(self.request.user).values("pk")
        qs = Shift.objects.filter(roster__in=rosters).select_related("person", "pattern", "unit", "check_in")
        params = self.request.query_params
        if params.get("roster", "").isdigit():
            qs = qs.filter(roster_id=params["roster"])
        if params.get("mine") in ("1", "true"):
            qs = qs.filter(person=self.request.user)
        if params.get("from"):
            moment = parse_datetime(params["from"])
            if moment is None:
                raise ValidationError({"from": ["An ISO 8601 date and time."]})
            qs = qs.filter(ends_at__gt=moment)
        return qs.order_by("-id")

    @extend_schema(
        summary="Check in for your shift (late after start − the rulebook's margin)",
        request=None,
        responses={201: CheckInSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        check_in = shift_check_in(shift=self.get_object(), actor=request.user)
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Your swap requests and those you may decide"),
    create=extend_schema(
        summary="Ask to swap your shift (nothing changes until a supervisor approves)",
        request=SwapInputSerializer,
        responses={201: SwapSerializer, **_ERRORS},
    ),
)
class SwapViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = SwapSerializer
    queryset = SwapRequest.objects.none()  # for the schema; get_queryset decides
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[SwapRequest]:
        from django.db.models import Q

        user = self.request.user
        rosters = rosters_visible_to(user).values("pk")
        return (
            SwapRequest.objects.filter(Q(requester=user) | Q(counterpart=user) | Q(shift__roster__in=rosters))
            .select_related("requester", "counterpart")
            .order_by("-id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        swap = swap_request(actor=request.user, **_input(SwapInputSerializer, request))
        return Response(SwapSerializer(swap).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, pk: str | None, approve: bool) -> Response:
        swap = get_object_or_404(self.get_queryset(), pk=pk)
        note = _input(SwapDecisionSerializer, request)["note"]
        return Response(SwapSerializer(swap_decide(request=swap, actor=request.user, approve=approve, note=note)).data)

    @extend_schema(
        summary="Approve (supervisor of the unit): the shifts change hands",
        request=SwapDecisionSerializer,
        responses={200: SwapSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, pk, True)

    @extend_schema(
        summary="Reject (supervisor of the unit)",
        request=SwapDecisionSerializer,
        responses={200: SwapSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, pk, False)

    @extend_schema(summary="Withdraw your request", request=None, responses={200: SwapSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        swap = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(SwapSerializer(swap_withdraw(request=swap, actor=request.user)).data)


@extend_schema_view(
    list=extend_schema(summary="The handover log of the units you may see"),
    create=extend_schema(
        summary="Write a handover entry for your unit",
        request=HandoverInputSerializer,
        responses={201: HandoverSerializer, **_ERRORS},
    ),
)
class HandoverViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = HandoverSerializer
    queryset = HandoverEntry.objects.none()  # for the schema; get_queryset decides
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet:
        return handovers_visible_to(self.request.user).order_by("-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.user.unit_id is None:
            raise ValidationError({"unit": ["You belong to no unit."]})
        entry = handover_write(unit=request.user.unit, actor=request.user, **_input(HandoverInputSerializer, request))
        return Response(HandoverSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm you have taken over this entry", request=None, responses={200: HandoverSerializer, **_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        entry = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(HandoverSerializer(handover_receive(entry=entry, actor=request.user)).data)


class OnDutyView(APIView):
    @extend_schema(
        summary="Who is on duty in a unit at a moment (night and across midnight included)",
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT, required=True),
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="Default: now."),
            OpenApiParameter(
                "nearest", OpenApiTypes.BOOL, description="Fall back to the nearest unit above with someone on duty."
            ),
        ],
        responses={200: OnDutySerializer, 404: _ERRORS[404]},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("unit", "")
        if not raw.isdigit():
            raise ValidationError({"unit": ["A unit id."]})
        unit = get_object_or_404(OrgUnit, pk=raw)
        at = parse_datetime(request.query_params["at"]) if request.query_params.get("at") else timezone.now()
        if at is None:
            raise ValidationError({"at": ["An ISO 8601 date and time."]})
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        nearest = request.query_params.get("nearest") in ("1", "true")
        people = nearest_staff_on_duty(unit=unit, at=at) if nearest else staff_on_duty(unit=unit, at=at)
        return Response(OnDutySerializer({"unit": unit.pk, "at": at, "people": people}).data)
