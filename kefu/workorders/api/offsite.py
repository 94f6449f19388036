"""API of what happens away from the customer's site: take-back repairs, photos, outside contractors.

Registered under the same prefix as the orders (`/api/v1/workorders/{id}/…`) by a viewset with only
detail actions, so it adds routes without touching the order viewset. Every step takes the order's
`version` you saw (409 when it moved on); 404 when you may not see the order.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from kefu.org.models import OrgUnit
from kefu.workorders import services
from kefu.workorders.api.offsite_serializers import (
    ContractorCreateSerializer,
    ContractorDecideSerializer,
    ContractorRequestInputSerializer,
    ContractorRequestSerializer,
    ContractorSerializer,
    InspectSerializer,
    MoveSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    RepairInputSerializer,
    ReturnSerializer,
    TakeBackReceiveSerializer,
    TakeBackSerializer,
)
from kefu.workorders.api.views import _ERRORS
from kefu.workorders.models import Contractor, ContractorRequest, TakeBack, WorkOrder
from kefu.workorders.selectors import orders_visible_to

__all__ = ("ContractorViewSet", "OrderOffsiteViewSet")


def _takeback_step(request_serializer: type, summary: str):
    return extend_schema(summary=summary, request=request_serializer, responses={200: TakeBackSerializer, **_ERRORS})


class OrderOffsiteViewSet(viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []
    pagination_class = None
    serializer_class = TakeBackSerializer

    def get_queryset(self) -> QuerySet[WorkOrder]:
        return orders_visible_to(self.request.user)

    def _body(self, serializer_class: type, request: Request) -> Any:
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer

    def _takeback(self, order: WorkOrder) -> Response:
        takeback = (
            TakeBack.objects.filter(order=order)
            .select_related("order", "received_by", "inspected_by")
            .prefetch_related("movements__actor", "movements__corrects", "repairs__technician")
            .first()
        )
        if takeback is None:
            raise NotFound(_("This order was not taken back for repair."))
        return Response(TakeBackSerializer(takeback).data)

    # ------------------------------------------------------------------------------ take-back

    @extend_schema(
        summary="The take-back repair of an order: receipt, repair card and goods register",
        responses={200: TakeBackSerializer, 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"], url_path="takeback")
    def takeback(self, request: Request, pk: str) -> Response:
        return self._takeback(self.get_object())

    @_takeback_step(TakeBackReceiveSerializer, "Take the goods back for repair (technician, on site; customer signs)")
    @action(detail=True, methods=["post"], url_path="takeback/receive")
    def takeback_receive(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = dict(self._body(TakeBackReceiveSerializer, request).validated_data)
        version = data.pop("version")
        services.takeback_receive(order=order, actor=request.user, expected_version=version, **data)
        return self._takeback(order)

    @_takeback_step(MoveSerializer, "Register a movement of the goods (to / from the supplier) or a correction")
    @action(detail=True, methods=["post"], url_path="takeback/move")
    def takeback_move(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = dict(self._body(MoveSerializer, request).validated_data)
        version = data.pop("version")
        services.takeback_move(order=order, actor=request.user, expected_version=version, **data)
        return self._takeback(order)

    @_takeback_step(RepairInputSerializer, "Write a line of the repair card (time, findings, parts)")
    @action(detail=True, methods=["post"], url_path="takeback/repair")
    def takeback_repair(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        serializer = self._body(RepairInputSerializer, request)
        services.takeback_record_repair(
            order=order,
            actor=request.user,
            expected_version=serializer.validated_data["version"],
            **serializer.to_service(),
        )
        return self._takeback(order)

    @_takeback_step(InspectSerializer, "Inspect the repair (supervisors): pass, or fail with a reason")
    @action(detail=True, methods=["post"], url_path="takeback/inspect")
    def takeback_inspect(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = dict(self._body(InspectSerializer, request).validated_data)
        version = data.pop("version")
        services.takeback_inspect(order=order, actor=request.user, expected_version=version, **data)
        return self._takeback(order)

    @_takeback_step(ReturnSerializer, "Return the goods: customer signs, receipt cancelled, invoiced today")
    @action(detail=True, methods=["post"], url_path="takeback/return")
    def takeback_return(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = dict(self._body(ReturnSerializer, request).validated_data)
        version = data.pop("version")
        services.takeback_return(order=order, actor=request.user, expected_version=version, **data)
        return self._takeback(order)

    # --------------------------------------------------------------------------------- photos

    @extend_schema(
        methods=["GET"], summary="Photos of the order", responses={200: PhotoSerializer(many=True), 404: _ERRORS[404]}
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a photo (retry-safe: the same upload_id again is a no-op)",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={
            201: PhotoSerializer,
            200: PhotoSerializer,
            400: _ERRORS[400],
            403: _ERRORS[403],
            404: _ERRORS[404],
            409: _ERRORS[409],
        },
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def photos(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        if request.method == "GET":
            photos = order.photos.select_related("uploaded_by").order_by("id")
            return Response(PhotoSerializer(photos, many=True).data)
        data = self._body(PhotoUploadSerializer, request).validated_data
        photo, created = services.photo_add(
            order=order,
            actor=request.user,
            upload_id=data["upload_id"],
            file=data["file"],
            kind=data["kind"],
            size=data["size"],
            sha256=data["sha256"],
            caption=data["caption"],
        )
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    # ---------------------------------------------------------------------------- contractors

    @extend_schema(
        methods=["GET"],
        summary="Requests to send the order to an outside contractor",
        responses={200: ContractorRequestSerializer(many=True), 404: _ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        summary="Ask to send the order to an outside contractor (supervisors; needs approval)",
        request=ContractorRequestInputSerializer,
        responses={201: ContractorRequestSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="contractor-requests")
    def contractor_requests(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        if request.method == "GET":
            rows = order.contractor_requests.select_related("contractor__unit", "requested_by", "decided_by")
            return Response(ContractorRequestSerializer(rows.order_by("id"), many=True).data)
        data = self._body(ContractorRequestInputSerializer, request).validated_data
        contractor = Contractor.objects.select_related("unit").filter(pk=data["contractor"]).first()
        if contractor is None:
            raise ValidationError({"contractor": [_("No such contractor.")]})
        row = services.contractor_request(
            order=order,
            actor=request.user,
            expected_version=data["version"],
            contractor=contractor,
            reason=data["reason"],
        )
        return Response(ContractorRequestSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve or refuse a contractor request (the role the rulebook names)",
        request=ContractorDecideSerializer,
        responses={200: ContractorRequestSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="contractor-decision")
    def contractor_decision(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = self._body(ContractorDecideSerializer, request).validated_data
        row = ContractorRequest.objects.filter(pk=data["request"], order=order).first()
        if row is None:
            raise ValidationError({"request": [_("No such request on this order.")]})
        row = services.contractor_decide(
            request=row,
            actor=request.user,
            expected_version=data["version"],
            approve=data["approve"],
            note=data["note"],
        )
        return Response(ContractorRequestSerializer(row).data)


class ContractorViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Outside contractors of the units you supervise (or see)."""

    serializer_class = ContractorSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Contractor]:
        from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES

        user = self.request.user
        qs = Contractor.objects.select_related("unit").order_by("name", "id")
        if user.is_superuser or user.role in ALL_SEEING_ROLES:
            return qs
        if user.role in UNIT_SEEING_ROLES and user.unit_id:
            # Their unit's and those of the units above it (a city may use the province's contractors).
            ids = [int(part) for part in user.unit.path.strip("/").split("/") if part]
            return qs.filter(unit_id__in=ids) | qs.filter(unit__path__startswith=user.unit.path)
        return qs.none()

    @extend_schema(summary="Outside contractors you may send work to (supervisors and managers)")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Register an outside contractor (a supervisor of the unit)",
        request=ContractorCreateSerializer,
        responses={201: ContractorSerializer, 400: _ERRORS[400], 403: _ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        serializer = ContractorCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unit = OrgUnit.objects.filter(pk=data.pop("unit"), is_active=True).first()
        if unit is None:
            raise ValidationError({"unit": [_("No such unit.")]})
        contractor = services.contractor_create(actor=request.user, unit=unit, **data)
        return Response(ContractorSerializer(contractor).data, status=status.HTTP_201_CREATED)
