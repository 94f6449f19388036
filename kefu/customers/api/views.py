"""Customer API: reads through `Customer.objects.visible_to(user)` (the whole directory for the intake
roles, else the customers of the user's cases); phone, ID and e-mail are masked except in the answer of
the logged `reveal`. Any member of staff may open a new customer file (intake)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from kefu.core.api import ERROR_404, LIST_ERRORS
from kefu.core.inputs import TEXT_LIMITS
from kefu.customers.api.serializers import CustomerCreateSerializer, CustomerSerializer, TimelinePageSerializer
from kefu.customers.models import Customer
from kefu.customers.selectors import customer_search
from kefu.customers.services import customer_create, customer_reveal_contacts
from kefu.customers.timeline import customer_timeline, decode_cursor, encode_cursor

__all__ = ("CustomerViewSet",)

# customer_search returns a sliced queryset; its hits are re-queried by id so they can be paginated.
SEARCH_LIMIT = 200


@extend_schema_view(
    list=extend_schema(
        summary="Customers, or a search",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description=f"Any part of a phone number (3+ digits), part of a name, or a customer number "
                f"(at most {TEXT_LIMITS['search']} characters). At most {SEARCH_LIMIT} matches.",
            ),
            OpenApiParameter("tag", OpenApiTypes.STR, description="Only customers with this tag (exact name)."),
            OpenApiParameter("tier", OpenApiTypes.STR, description="Only customers in this tier (its code)."),
        ],
        responses={200: CustomerSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One customer with contacts and addresses (numbers masked)",
        responses={200: CustomerSerializer, 404: ERROR_404},
    ),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CustomerSerializer
    ordering_fields = ["name", "id"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Customer]:
        qs = Customer.objects.visible_to(self.request.user).prefetch_related("contacts", "addresses", "units", "tags")
        params = self.request.query_params if self.action == "list" else {}
        query = params.get("q", "").strip()
        for name in ("q", "tag", "tier"):
            if len(params.get(name, "")) > TEXT_LIMITS["search"]:
                raise ValidationError({name: [_("At most %(limit)s characters.") % {"limit": TEXT_LIMITS["search"]}]})
        if tag := params.get("tag", "").strip():
            qs = qs.filter(tags__name=tag)
        if tier := params.get("tier", "").strip():
            qs = qs.filter(tier=tier)
        if query:
            ids = [c.pk for c in customer_search(query=query, user=self.request.user, limit=SEARCH_LIMIT)]
            qs = qs.filter(pk__in=ids)
        return qs

    def get_serializer_class(self) -> type[BaseSerializer]:
        return CustomerCreateSerializer if self.action == "create" else CustomerSerializer

    @extend_schema(
        summary="Create a customer with its first contact",
        request=CustomerCreateSerializer,
        responses={
            201: CustomerSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="{detail, errors: {field: [messages]}}"),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = CustomerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = customer_create(**serializer.validated_data, actor=request.user)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Show the full phone numbers, ID number and e-mails (logged)",
        request=None,
        responses={
            200: CustomerSerializer,
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role sees masked numbers only."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such customer, or not one you may see."),
        },
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        customer = customer_reveal_contacts(
            customer=self.get_object(), actor=request.user, surface="api", path=request.path
        )
        return Response(CustomerSerializer(customer, context={"reveal": True}).data)

    @extend_schema(
        summary="The customer's timeline: file changes, cases, work orders, visits, survey answers",
        description="Newest first, only what you may see (an anonymous case never shows on its complainant's "
        "file for someone who may not see the complainant). Keyset pages: pass `next` as `before`.",
        parameters=[
            OpenApiParameter("before", OpenApiTypes.STR, description="The `next` of the previous page."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Entries per page, 1–100 (default 30)."),
        ],
        responses={
            200: TimelinePageSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="{detail, errors: {before|limit: [messages]}}"),
            404: ERROR_404,
        },
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        errors = {}
        try:
            before = decode_cursor(request.query_params.get("before", ""))
        except ValueError:
            errors["before"] = [_("Not a page marker this API gave out.")]
        raw_limit = request.query_params.get("limit", "30")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
            errors["limit"] = [_("A whole number from 1 to 100.")]
        if errors:
            raise ValidationError(errors)
        page = customer_timeline(customer, request.user, before=before, limit=int(raw_limit))
        return Response(
            TimelinePageSerializer({"results": page.entries, "next": encode_cursor(page.next_cursor) or None}).data
        )
