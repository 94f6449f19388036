"""Organisation API: active units and staff, read-only, for pickers in forms."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from kefu.cases.filtersets import IdFilter
from kefu.core.api import LIST_ERRORS
from kefu.core.inputs import TEXT_LIMITS
from kefu.org.api.serializers import OrgUnitSerializer, StaffSerializer
from kefu.org.choices import Role, UnitKind
from kefu.org.models import OrgUnit, User

__all__ = ("OrgUnitViewSet", "StaffViewSet")

_LIST = {200: OrgUnitSerializer(many=True), **LIST_ERRORS}
_STAFF_LIST = {200: StaffSerializer(many=True), **LIST_ERRORS}


class OrgUnitFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = OrgUnit
        fields: list[str] = []


class StaffFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    unit = IdFilter(field_name="unit_id")
    q = django_filters.CharFilter(method="filter_q", label="Name or user name", max_length=TEXT_LIMITS["search"])

    class Meta:
        model = User
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(display_name__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )


@extend_schema_view(list=extend_schema(summary="Active organisation units, in tree order", responses=_LIST))
class OrgUnitViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    ordering_fields = ["path", "id"]
    # Tree order: a parent's path is a prefix of its children's.
    ordering = ["path"]

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return OrgUnit.objects.filter(is_active=True)


@extend_schema_view(list=extend_schema(summary="Active staff, for pickers", responses=_STAFF_LIST))
class StaffViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = StaffSerializer
    filterset_class = StaffFilterSet
    ordering_fields = ["username", "id"]
    ordering = ["username"]

    def get_queryset(self) -> QuerySet[User]:
        return User.objects.filter(is_active=True).select_related("unit")
