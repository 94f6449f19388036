"""Work order API: list and read the orders you may see, register one (Idempotency-Key), and one
action per step of the lifecycle. Every step takes the `version` you saw (409 when it moved on)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kefu.customers.models import Customer
from kefu.org.models import OrgUnit
from kefu.workorders import services
from kefu.workorders.api.serializers import (
    BookSerializer,
    CancelSerializer,
    CheckInSerializer,
    CompleteSerializer,
    DispatchSerializer,
    PauseSerializer,
    RecordSerializer,
    SuggestionSerializer,
    VersionSerializer,
    WorkOrderCreateSerializer,
    WorkOrderListSerializer,
    WorkOrderSerializer,
)
from kefu.workorders.models import Equipment, WorkOrder
from kefu.workorders.selectors import dispatch_suggestions, orders_visible_to

__all__ = ("WorkOrderViewSet",)

_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: {detail, errors: {field: [messages]}}"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not do this to this order."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such order, or not one you may see."),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale version: reload the order and try again."),
}
_IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retry-safe creation: a repeat with the same key returns the first order (200) and creates nothing.",
)


def _step(serializer_class: type, summary: str) -> Callable[[Any], Any]:
    return extend_schema(summary=summary, request=serializer_class, responses={200: WorkOrderSerializer, **_ERRORS})


@extend_schema_view(
    list=extend_schema(summary="Work orders you may see (technicians: yours and your team's queue)"),
    retrieve=extend_schema(
        summary="A work order with its parts and history", responses={200: WorkOrderSerializer, 404: _ERRORS[404]}
    ),
)
class WorkOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[WorkOrder]:
        qs = orders_visible_to(self.request.user).order_by("-id")
        if self.action == "retrieve":
            qs = qs.select_related("equipment", "case").prefetch_related("parts", "events__actor")
        return qs.select_related("case")

    def get_serializer_class(self) -> type:
        return WorkOrderListSerializer if self.action == "list" else WorkOrderSerializer

    def _body(self, serializer_class: type, request: Request) -> Any:
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer

    def _done(self, order: WorkOrder) -> Response:
        fresh = (
            self.get_queryset()
            .filter(pk=order.pk)
            .select_related("equipment")
            .prefetch_related("parts", "events__actor")
        )
        return Response(WorkOrderSerializer(fresh.get()).data)

    @extend_schema(
        summary="Register a work order (directly or from a case)",
        parameters=[_IDEMPOTENCY_KEY],
        request=WorkOrderCreateSerializer,
        responses={
            201: WorkOrderSerializer,
            200: OpenApiResponse(WorkOrderSerializer, description="Repeat of an Idempotency-Key: the first order."),
            400: _ERRORS[400],
            403: _ERRORS[403],
            409: _ERRORS[409],
        },
    )
    def create(self, request: Request) -> Response:
        from kefu.cases.models import Case

        data = self._body(WorkOrderCreateSerializer, request).validated_data
        user = request.user
        customer = Customer.objects.visible_to(user).filter(pk=data["customer"]).first()
        errors: dict[str, list[str]] = {}
        if customer is None:
            errors["customer"] = [_("No such customer, or not one you may see.")]
        case = None
        if data["case"] is not None:
            case = Case.objects.visible_to(user).filter(pk=data["case"]).first()
            if case is None:
                errors["case"] = [_("No such case, or not one you may see.")]
        unit = OrgUnit.objects.filter(pk=data["unit"], is_active=True).first() if data["unit"] else None
        if data["unit"] and unit is None:
            errors["unit"] = [_("No such unit.")]
        equipment = Equipment.objects.filter(pk=data["equipment"]).first() if data["equipment"] else None
        if data["equipment"] and equipment is None:
            errors["equipment"] = [_("No such equipment.")]
        if errors:
            raise ValidationError(errors)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise ValidationError({"idempotency_key": [_("At most 100 characters.")]})
        order, created = services.workorder_create(
            actor=user,
            kind=data["kind"],
            customer=customer,
            description=data["description"],
            unit=unit,
            address=data["address"],
            district=data["district"],
            service_type=data["service_type"],
            equipment=equipment,
            case=case,
            urgent=data["urgent"],
            idempotency_key=key,
        )
        # The creator may read what they registered (visible_to includes created_by).
        body = WorkOrderSerializer(
            WorkOrder.objects.select_related("customer", "unit", "technician", "equipment", "case")
            .prefetch_related("parts", "events__actor")
            .get(pk=order.pk)
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @_step(DispatchSerializer, "Dispatch to a technician or a team (supervisors)")
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_order(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(DispatchSerializer, request).validated_data
        order = services.workorder_dispatch(
            order=order,
            actor=request.user,
            expected_version=data["version"],
            technician=data["technician"],
            team=data["team"],
            reason=data["reason"],
        )
        return self._done(order)

    @extend_schema(
        summary="Technicians suggested for this order, best first, with the reasons (supervisors)",
        responses={200: SuggestionSerializer(many=True), 403: _ERRORS[403], 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggestions(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        if not services.supervises(request.user, order.unit):
            raise PermissionDenied(_("Only a supervisor of the order's unit sees the suggestions."))
        return Response(SuggestionSerializer(dispatch_suggestions(order), many=True).data)

    @_step(VersionSerializer, "Accept (the technician, or one of the team for a team's order)")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(VersionSerializer, request).validated_data
        return self._done(services.workorder_accept(order=order, actor=request.user, expected_version=data["version"]))

    @_step(BookSerializer, "Book (or re-book, with a reason) the visit agreed with the customer")
    @action(detail=True, methods=["post"])
    def book(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(BookSerializer, request).validated_data
        order = services.workorder_book(
            order=order,
            actor=request.user,
            expected_version=data["version"],
            visit_at=data["visit_at"],
            reason=data["reason"],
        )
        return self._done(order)

    @_step(CheckInSerializer, "Check in: set off (depart) or arrive on site")
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(CheckInSerializer, request).validated_data
        order = services.workorder_check_in(
            order=order, actor=request.user, expected_version=data["version"], step=data["step"]
        )
        return self._done(order)

    @_step(RecordSerializer, "Record findings, work done, parts and the terminal/SIM swap (on site)")
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        serializer = self._body(RecordSerializer, request)
        order = services.workorder_record(
            order=order,
            actor=request.user,
            expected_version=serializer.validated_data["version"],
            **serializer.to_service(),
        )
        return self._done(order)

    @_step(PauseSerializer, "Approve completing without the customer's signature (supervisors)")
    @action(detail=True, methods=["post"], url_path="approve-waiver")
    def approve_waiver(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(PauseSerializer, request).validated_data
        order = services.workorder_approve_waiver(
            order=order, actor=request.user, expected_version=data["version"], reason=data["reason"]
        )
        return self._done(order)

    @_step(CompleteSerializer, "Complete: signature (or approved waiver), fee collected, invoice")
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(CompleteSerializer, request).validated_data
        order = services.workorder_complete(
            order=order,
            actor=request.user,
            expected_version=data["version"],
            signature=data["signature"],
            fee_collected=data["fee_collected"],
            invoice_no=data["invoice_no"],
            invoice_date=data["invoice_date"],
        )
        return self._done(order)

    @_step(VersionSerializer, "Close a completed order (supervisors)")
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(VersionSerializer, request).validated_data
        return self._done(services.workorder_close(order=order, actor=request.user, expected_version=data["version"]))

    @_step(CancelSerializer, "Cancel an open order with a reason")
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(CancelSerializer, request).validated_data
        order = services.workorder_cancel(
            order=order, actor=request.user, expected_version=data["version"], reason=data["reason"]
        )
        return self._done(order)

    @_step(PauseSerializer, "Pause the arrival clock: the customer makes us wait (with the reason)")
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(PauseSerializer, request).validated_data
        order = services.workorder_pause(
            order=order, actor=request.user, expected_version=data["version"], reason=data["reason"]
        )
        return self._done(order)

    @_step(VersionSerializer, "Resume the arrival clock")
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 before looking at the body
        data = self._body(VersionSerializer, request).validated_data
        return self._done(services.workorder_resume(order=order, actor=request.user, expected_version=data["version"]))
