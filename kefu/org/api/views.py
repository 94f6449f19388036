"""Organisation API: active units and staff, read-only, for pickers in forms; API tokens."""

from __future__ import annotations

import django_filters
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from knox.models import AuthToken
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.cases.filtersets import IdFilter
from kefu.core.api import LIST_ERRORS
from kefu.core.exceptions import ApplicationError
from kefu.core.inputs import TEXT_LIMITS
from kefu.org.api.serializers import (
    LockedOutSerializer,
    OrgUnitSerializer,
    StaffSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    TokensRevokedSerializer,
)
from kefu.org.choices import Role, UnitKind
from kefu.org.lockout import locked_until, lockout_message, retry_after_seconds
from kefu.org.models import OrgUnit, User
from kefu.org.services import token_issue, token_revoke, token_revoke_all

__all__ = ("OrgUnitViewSet", "StaffViewSet", "TokenView", "TokensView")

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


class TokenView(APIView):
    """POST: exchange a user name and password for a token. DELETE: revoke the token sent with the request."""

    def initialize_request(self, request, *args, **kwargs):
        self._method = request.method
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        # Logging in reads the credentials from the body: an old or expired token still set in the
        # client's Authorization header must not turn the login into a 401.
        if getattr(self, "_method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if getattr(self, "_method", None) == "POST" else [IsAuthenticated()]

    @extend_schema(
        summary="Get an API token",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong user name or password."),
            429: OpenApiResponse(LockedOutSerializer, description="Too many failed logins; see Retry-After."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            username = request.data.get("username") if hasattr(request.data, "get") else None
            until = locked_until(request, username if isinstance(username, str) else None)
            if until is not None:
                body = {"detail": lockout_message(until), "locked_until": until}
                return Response(
                    LockedOutSerializer(body).data, status=429, headers={"Retry-After": str(retry_after_seconds(until))}
                )
            serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        instance, token = token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry}).data)

    @extend_schema(
        summary="Revoke the token this request is made with",
        request=None,
        responses={204: None, 400: OpenApiResponse(description="The request was not made with a token.")},
    )
    def delete(self, request, *args, **kwargs) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise ApplicationError(
                _("This request was not made with a token. To revoke all your tokens use DELETE /api/v1/auth/tokens/.")
            )
        token_revoke(token=request.auth, actor=request.user)
        return Response(status=204)


class TokensView(APIView):
    """All of the requesting person's API tokens."""

    @extend_schema(summary="Revoke all your API tokens", request=None, responses={200: TokensRevokedSerializer})
    def delete(self, request, *args, **kwargs) -> Response:
        count = token_revoke_all(user=request.user, actor=request.user, reason="on request")
        return Response(TokensRevokedSerializer({"revoked": count}).data)
