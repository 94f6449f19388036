"""Case API: reads through `Case.objects.visible_to(user)`, writes only through kefu.cases.services.

A case the user may not see answers 404 on every endpoint, so the API never confirms that a case
exists to someone outside it (in particular to the person it complains about).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from kefu.cases import services
from kefu.cases.api.serializers import (
    CaseAttachmentInputSerializer,
    CaseAttachmentSerializer,
    CaseClassificationSerializer,
    CaseCreateSerializer,
    CaseCustomerViewSerializer,
    CaseDetailSerializer,
    CaseFieldsUpdateSerializer,
    CaseListSerializer,
    CaseMergeSerializer,
    CaseNoteInputSerializer,
    CaseNoteSerializer,
    CaseReasonSerializer,
    CaseResumeSerializer,
    CaseRevealSerializer,
    CaseTransferSerializer,
    CaseTransitionSerializer,
    RulebookSerializer,
)
from kefu.cases.filtersets import CaseFilterSet
from kefu.cases.models import Case, CaseAttachment, CaseEvent, CaseNote, CaseSupervisor
from kefu.core.api import LIST_ERRORS
from kefu.core.parsers import FormParser, MultiPartParser
from kefu.core.uploads import ALLOWED, attachment_content_type, download_response
from kefu.customers.api.serializers import CustomerSerializer
from kefu.rulebooks.choices import Operation
from kefu.rulebooks.models import Rulebook

__all__ = ("CaseViewSet", "RulebookViewSet")

_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: {detail, errors: {field: [messages]}}"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not do this, or you are recused."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such case, or not one you may see."),
}
_WRITE_ERRORS = {
    **_ERRORS,
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale version: reload the case and try again."),
}
_IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retry-safe creation: a repeat with the same key returns the first case (200) and creates nothing.",
)


def _version_action(serializer_class: type[BaseSerializer], summary: str) -> Callable[[Any], Any]:
    return extend_schema(
        summary=summary, request=serializer_class, responses={200: CaseDetailSerializer, **_WRITE_ERRORS}
    )


@extend_schema_view(
    list=extend_schema(summary="Cases the user may see", responses={200: CaseListSerializer, **LIST_ERRORS}),
    retrieve=extend_schema(
        summary="One case with its history", responses={200: CaseDetailSerializer, 404: _ERRORS[404]}
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases are never updated or deleted through REST verbs: every change is a named action."""

    filterset_class = CaseFilterSet
    ordering_fields = ["received_at", "number", "id"]
    ordering = ["-received_at", "-id"]

    def get_queryset(self) -> QuerySet[Case]:
        # The rulebook text and document are read once per process from the version cache, so
        # carrying ~10 KB of JSON along with every row would only slow the list down.
        qs = (
            Case.objects.visible_to(self.request.user)
            .select_related("rulebook_version", "customer", "owner", "assignee", "responsible_unit")
            .defer("rulebook_version__document", "rulebook_version__source_text")
        )
        if self.action == "retrieve":
            qs = self._with_details(qs)
        return qs

    @staticmethod
    def _with_details(qs: QuerySet[Case]) -> QuerySet[Case]:
        return qs.select_related(
            "rulebook_version__rulebook",
            "receiver",
            "receiving_unit",
            "subject_person",
            "subject_unit",
            "responsible_person",
            "parent",
            "merged_into",
        ).prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("id")),
            Prefetch("notes", queryset=CaseNote.objects.select_related("author").order_by("created_at", "id")),
            "attachments__uploaded_by",
            "remedies__proposed_by",
            "approvals__approver",
            "supervisors__user",
        )

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "list":
            return CaseListSerializer
        return CaseDetailSerializer

    def _detail(self, case: Case, *, status_code: int = status.HTTP_200_OK) -> Response:
        # Re-read with the detail prefetches: the service returned the locked row without relations.
        fresh = self._with_details(Case.objects.select_related("rulebook_version", "customer")).get(pk=case.pk)
        return Response(CaseDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def _input(self, serializer_class: type[BaseSerializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="Register a case",
        parameters=[_IDEMPOTENCY_KEY],
        request=CaseCreateSerializer,
        responses={
            201: CaseDetailSerializer,
            200: OpenApiResponse(CaseDetailSerializer, description="Repeat of an Idempotency-Key: the first case."),
            400: _ERRORS[400],
        },
    )
    def create(self, request: Request) -> Response:
        serializer = CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = request.headers.get("Idempotency-Key", "").strip()
        case, created = services.case_register(
            actor=request.user,
            case_type=data["case_type"],
            customer=data["customer"],
            channel=data["channel"],
            title=data["title"],
            description=data["description"],
            category=data["category"],
            severity=data["severity"],
            customer_request=data["customer_request"],
            contact=data["contact"],
            subject_person=data["subject_person"],
            subject_unit=data["subject_unit"],
            is_anonymous=data["is_anonymous"],
            received_at=data["received_at"],
            rulebook_key=data["rulebook"] or None,
            fields=data["fields"],
            idempotency_key=key,
            request_hash=services.request_fingerprint(serializer.fingerprint_payload()) if key else "",
        )
        if not created:
            return self._detail(case)
        return Response(self._registered_body(case), status=status.HTTP_201_CREATED)

    def _registered_body(self, case: Case) -> Any:
        """The detail body of a case this request has just registered, from the objects in memory.

        case_register hands back the saved case with its relations already attached (rulebook
        version and rulebook, customer, receiver/owner and unit, subject), and a new case has no
        notes, attachments, remedies or approvals yet, so only its history is read back: the same
        body as `_detail` without re-reading the case and its six relations.
        """
        events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("id"))
        case._prefetched_objects_cache = {  # what prefetch_related would have stored
            "events": events,
            "supervisors": CaseSupervisor.objects.none(),
            "notes": [],
            "attachments": [],
            "remedies": [],
            "approvals": [],
        }
        return CaseDetailSerializer(case, context=self.get_serializer_context()).data

    @_version_action(CaseTransitionSerializer, "Take a rulebook transition")
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self._input(CaseTransitionSerializer)
        case = services.case_transition(
            case=case,
            actor=request.user,
            transition=data["transition"],
            expected_version=data["version"],
            data=data["data"],
        )
        return self._detail(case)

    @_version_action(CaseFieldsUpdateSerializer, "Change form fields (each field says who may)")
    @action(detail=True, methods=["post"], url_path="fields")
    def update_fields(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self._input(CaseFieldsUpdateSerializer)
        case = services.case_update_fields(
            case=case,
            actor=request.user,
            expected_version=data["version"],
            values=data["fields"],
            reason=data["reason"],
        )
        return self._detail(case)

    @_version_action(CaseTransferSerializer, "Transfer the case to another owner")
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        # Who may not act is told so (403) before their input is judged (400).
        services.case_operation_check(case=case, actor=request.user, op=Operation.TRANSFER)
        data = self._input(CaseTransferSerializer)
        case = services.case_transfer(
            case=case,
            actor=request.user,
            expected_version=data["version"],
            new_owner=data["new_owner"],
            unit=data["unit"],
            reason=data["reason"],
        )
        return self._detail(case)

    @_version_action(CaseReasonSerializer, "Suspend the case")
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        return self._reasoned(services.case_suspend, op=Operation.SUSPEND)

    @_version_action(CaseResumeSerializer, "Resume a suspended case")
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._reasoned(services.case_resume, CaseResumeSerializer, op=Operation.RESUME)

    @_version_action(CaseReasonSerializer, "Record that the customer withdrew the case")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._reasoned(services.case_withdraw, op=Operation.WITHDRAW)

    @_version_action(CaseReasonSerializer, "Reopen a closed case")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._reasoned(services.case_reopen, op=Operation.REOPEN)

    def _reasoned(
        self,
        service: Callable[..., Case],
        serializer_class: type[BaseSerializer] = CaseReasonSerializer,
        *,
        op: Operation,
    ) -> Response:
        case = self.get_object()
        # Who may not act is told so (403) before their input is judged (400).
        services.case_operation_check(case=case, actor=self.request.user, op=op)
        data = self._input(serializer_class)
        case = service(case=case, actor=self.request.user, expected_version=data["version"], reason=data["reason"])
        return self._detail(case)

    @_version_action(
        CaseClassificationSerializer,
        "Change the category and/or severity (the running deadlines are recomputed, time used is kept)",
    )
    @action(detail=True, methods=["post"])
    def classification(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        services.case_classification_check(case=case, actor=request.user)
        data = self._input(CaseClassificationSerializer)
        case = services.case_update_classification(
            case=case,
            actor=request.user,
            expected_version=data["version"],
            category=data["category"],
            severity=data["severity"],
            reason=data["reason"],
        )
        return self._detail(case)

    @_version_action(CaseMergeSerializer, "Merge this case into another (duplicate)")
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self._input(CaseMergeSerializer)
        case = services.case_merge(
            case=case, into=data["into"], actor=request.user, expected_version=data["version"], reason=data["reason"]
        )
        return self._detail(case)

    @extend_schema(
        summary="Add a note",
        request=CaseNoteInputSerializer,
        responses={201: CaseNoteSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self._input(CaseNoteInputSerializer)
        note = services.case_add_note(
            case=case,
            actor=request.user,
            body=data["body"],
            visibility=data["visibility"],
            override_text_checks=data["override_text_checks"],
        )
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Upload an attachment (multipart)",
        request={"multipart/form-data": CaseAttachmentInputSerializer},
        responses={201: CaseAttachmentSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self._input(CaseAttachmentInputSerializer)
        attachment = services.case_add_attachment(
            case=case, actor=request.user, file=data["file"], visibility=data["visibility"]
        )
        return Response(CaseAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an attachment",
        # Sent with the type its content was checked to be (kefu.core.uploads.ALLOWED).
        responses={
            **{(200, media): OpenApiTypes.BINARY for media in sorted({t for t, _ in ALLOWED.values()})},
            403: _ERRORS[403],
            404: _ERRORS[404],
        },
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})")
    def attachment(self, request: Request, pk: str | None = None, attachment_id: str | None = None) -> FileResponse:
        case = self.get_object()
        attachment = get_object_or_404(CaseAttachment, pk=attachment_id, case=case)
        services.case_attachment_open(
            case=case, attachment=attachment, actor=request.user, surface="api", path=request.path
        )
        return download_response(
            attachment.file, name=attachment.name, content_type=attachment_content_type(attachment.name)
        )

    @extend_schema(
        summary="Show who complained: identity and full contact details (logged)",
        request=None,
        responses={200: CaseRevealSerializer, 403: _ERRORS[403], 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        revealed = services.case_reveal_customer(
            case=self.get_object(), actor=request.user, surface="api", path=request.path
        )
        customer = CustomerSerializer(revealed.customer, context={"reveal": revealed.full_contacts}).data
        return Response({"customer": customer, "full_contacts": revealed.full_contacts})

    @extend_schema(
        summary="What the customer may see of this case",
        responses={200: CaseCustomerViewSerializer, 404: _ERRORS[404]},
    )
    @action(detail=True, methods=["get"], url_path="customer-view")
    def customer_view(self, request: Request, pk: str | None = None) -> Response:
        return Response(CaseCustomerViewSerializer(self.get_object()).data)


@extend_schema_view(list=extend_schema(summary="Active rulebooks with their case types, categories and severities"))
class RulebookViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = RulebookSerializer
    # A handful of rulebooks at most: one page, no filters.
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Rulebook]:
        return Rulebook.objects.filter(active_version__isnull=False).select_related("active_version").order_by("key")
