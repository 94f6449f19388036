"""Maintenance contracts API (`/api/v1/workorders/contracts/`, seed-004 D11 B and 15): list (expiring
soonest first, ended ones last), read with the covered equipment and the orders under it, register,
renew. Supervisors and managers see their unit's and the units below; the all-seeing roles all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kefu.core.api import KefuCursorPagination
from kefu.customers.models import Customer
from kefu.org.models import OrgUnit
from kefu.workorders import services
from kefu.workorders.api.offsite_serializers import (
    ContractCreateSerializer,
    ContractListSerializer,
    ContractRenewSerializer,
    ContractSerializer,
)
from kefu.workorders.api.views import _ERRORS
from kefu.workorders.models import Equipment, MaintenanceContract
from kefu.workorders.selectors import contracts_visible_to

__all__ = ("ContractViewSet",)

_CONTRACT_ERRORS = {
    400: _ERRORS[400],
    403: _ERRORS[403],
    404: _ERRORS[404],
    409: _ERRORS[409],
}


class ContractPagination(KefuCursorPagination):
    ordering = ("ends_on", "id")


_ENDED = OpenApiParameter(
    "ended",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    description="true: the contracts that have ended (most recently ended first); default: those in force or "
    "starting later, expiring soonest first.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Maintenance contracts you may see, expiring soonest first (ended ones with ?ended=true)",
        parameters=[_ENDED],
    ),
    retrieve=extend_schema(
        summary="A contract with its covered equipment, the orders under it and the renewal visit",
        responses={200: ContractSerializer, 404: _ERRORS[404]},
    ),
)
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_paginator"):
            self._paginator = ContractPagination()
            if self._ended():
                self._paginator.ordering = ("-ends_on", "-id")
        return self._paginator

    def _ended(self) -> bool:
        return self.request.query_params.get("ended", "").lower() in ("true", "1")

    def get_queryset(self) -> QuerySet[MaintenanceContract]:
        qs = contracts_visible_to(self.request.user).select_related("renewed_from", "renewal")
        if self.action == "list":
            today = timezone.localdate()
            qs = qs.filter(ends_on__lt=today) if self._ended() else qs.filter(ends_on__gte=today)
        if self.action == "retrieve":
            qs = qs.prefetch_related("equipment")
        return qs

    def get_serializer_class(self) -> type:
        return ContractListSerializer if self.action == "list" else ContractSerializer

    def _read(self, contract: MaintenanceContract) -> dict[str, Any]:
        fresh = MaintenanceContract.objects.select_related(
            "customer", "unit", "renewal_order", "renewed_from"
        ).prefetch_related("equipment")
        return ContractSerializer(fresh.get(pk=contract.pk)).data

    @extend_schema(
        summary="Register a maintenance contract (a supervisor of the unit)",
        request=ContractCreateSerializer,
        responses={201: ContractSerializer, 400: _ERRORS[400], 403: _ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = ContractCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        user = request.user
        errors: dict[str, list[str]] = {}
        customer = Customer.objects.visible_to(user).filter(pk=data["customer"]).first()
        if customer is None:
            errors["customer"] = [_("No such customer, or not one you may see.")]
        unit = OrgUnit.objects.filter(pk=data["unit"], is_active=True).first()
        if unit is None:
            errors["unit"] = [_("No such unit.")]
        elif not services.supervises(user, unit):
            raise PermissionDenied(_("Only a supervisor of %(unit)s may register its contracts.") % {"unit": unit.name})
        equipment = list(Equipment.objects.filter(pk__in=data["equipment"]))
        if len(equipment) != len(set(data["equipment"])):
            errors["equipment"] = [_("No such equipment.")]
        if errors:
            raise ValidationError(errors)
        contract = services.contract_create(
            actor=user,
            number=data["number"],
            customer=customer,
            unit=unit,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            equipment=equipment,
            service_level=data["service_level"],
            parts_free=data["parts_free"],
        )
        return Response(self._read(contract), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Renew: a new contract from the day after this one ends (once per contract)",
        request=ContractRenewSerializer,
        responses={201: ContractSerializer, **_CONTRACT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str) -> Response:
        contract = self.get_object()
        data = ContractRenewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        new = services.contract_renew(
            actor=request.user,
            contract=contract,
            number=data["number"],
            ends_on=data["ends_on"],
            service_level=data["service_level"],
            parts_free=data["parts_free"],
        )
        return Response(self._read(new), status=status.HTTP_201_CREATED)
