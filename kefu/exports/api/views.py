"""Exports API: a direct export of a filtered customer list, export requests with their approval and
download, and the customer import (dry run or commit). docs/exports.md."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.core.api import ERROR_400, ERROR_404, LIST_ERRORS
from kefu.core.exceptions import ForbiddenError
from kefu.core.parsers import FormParser, MultiPartParser
from kefu.customers.imports import ImportRefused, ImportReport, import_check, import_commit
from kefu.exports.api.serializers import (
    CustomerExportSerializer,
    DecisionSerializer,
    ExportRequestCreateSerializer,
    ExportRequestSerializer,
    ImportInputSerializer,
    ImportReportSerializer,
    ImportResultSerializer,
)
from kefu.exports.models import ExportRequest
from kefu.exports.selectors import export_requests_visible_to
from kefu.exports.services import (
    customer_export,
    export_request_create,
    export_request_decide,
    export_request_download,
    may_import,
    require_export,
)
from kefu.exports.sheets import ExportFile

__all__ = ("CustomerExportView", "CustomerImportView", "ExportRequestViewSet")

_FILE_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv")
_FILE = {(200, media): OpenApiTypes.BINARY for media in _FILE_TYPES}
_403 = OpenApiResponse(OpenApiTypes.OBJECT, description="{detail}: your role may not do this.")
_409 = OpenApiResponse(
    OpenApiTypes.OBJECT, description="{detail}: not in a state that allows this (decided, expired, not made yet)."
)


def file_response(made: ExportFile) -> HttpResponse:
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _filters(data: dict) -> dict:
    return {k: v for k, v in (data.get("filters") or {}).items() if v not in (None, "")}


class CustomerExportView(APIView):
    @extend_schema(
        summary="Export a filtered customer list (no approval needed for this many records; logged, watermarked)",
        request=CustomerExportSerializer,
        responses={**_FILE, 400: ERROR_400, 403: _403},
    )
    def post(self, request: Request) -> HttpResponse:
        require_export(request.user)  # the role first: a bad filter is nobody's business who may not export
        serializer = CustomerExportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made, _record = customer_export(
            actor=request.user,
            filters=_filters(serializer.validated_data),
            file_format=serializer.validated_data["file_format"],
        )
        return file_response(made)


@extend_schema_view(
    list=extend_schema(
        summary="My export requests, and those my role decides",
        responses={200: ExportRequestSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(summary="One export request", responses={200: ExportRequestSerializer, 404: ERROR_404}),
)
class ExportRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExportRequestSerializer

    def get_queryset(self) -> QuerySet[ExportRequest]:
        return export_requests_visible_to(self.request.user)

    @extend_schema(
        summary="Ask to export more customer records than may go without approval",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Retry-safe creation: a repeat with the same key returns the first request (200).",
            )
        ],
        request=ExportRequestCreateSerializer,
        responses={
            201: ExportRequestSerializer,
            200: OpenApiResponse(
                ExportRequestSerializer, description="Repeat of an Idempotency-Key: the first request."
            ),
            400: ERROR_400,
            403: _403,
        },
    )
    def create(self, request: Request) -> Response:
        require_export(request.user)
        serializer = ExportRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = export_request_create(
            actor=request.user,
            filters=_filters(data),
            reason=data["reason"],
            file_format=data["file_format"],
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
        )
        code = status.HTTP_201_CREATED if created._created else status.HTTP_200_OK
        return Response(self.get_serializer(created).data, status=code)

    def _decide(self, request: Request, approve: bool) -> Response:
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = export_request_decide(
            request=self.get_object(),
            actor=request.user,
            approve=approve,
            note=serializer.validated_data["note"],
            version=serializer.validated_data.get("version"),
        )
        return Response(self.get_serializer(decided).data)

    @extend_schema(
        summary="Approve (the file is made in the background)",
        request=DecisionSerializer,
        responses={200: ExportRequestSerializer, 400: ERROR_400, 403: _403, 404: ERROR_404, 409: _409},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, True)

    @extend_schema(
        summary="Refuse (a note is required)",
        request=DecisionSerializer,
        responses={200: ExportRequestSerializer, 400: ERROR_400, 403: _403, 404: ERROR_404, 409: _409},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, False)

    @extend_schema(
        summary="Download the approved file (requester only, until it expires; logged)",
        responses={**_FILE, 403: _403, 404: ERROR_404, 409: _409},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        made = export_request_download(request=self.get_object(), actor=request.user, surface="api")
        return file_response(made)


def _report(report: ImportReport) -> dict:
    return {
        "file_name": report.file_name,
        "sha256": report.sha256,
        "rows": len(report.rows),
        "bad_lines": report.bad_lines,
        "clean": report.clean,
        "problems": [{"line": p.line, "column": p.column, "message": p.message} for p in report.problems],
    }


class CustomerImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import customers from .xlsx or .csv: a dry run (report every bad cell), or the import (all or nothing)",
        request={"multipart/form-data": ImportInputSerializer},
        responses={
            200: OpenApiResponse(ImportReportSerializer, description="The dry run's report (nothing written)."),
            201: OpenApiResponse(ImportResultSerializer, description="Imported: the batch and its customers."),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Bad input, or the file has problems: {detail, errors, report} and nothing was imported.",
            ),
            403: _403,
        },
    )
    def post(self, request: Request) -> Response:
        if not may_import(request.user):
            raise ForbiddenError(_("Your role may not import customer files."))
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        name, data = upload.name or "upload", upload.read()
        if serializer.validated_data["dry_run"]:
            return Response(_report(import_check(file_name=name, data=data)))
        try:
            result = import_commit(file_name=name, data=data, actor=request.user)
        except ImportRefused as exc:
            return Response(
                {"detail": exc.message, "errors": exc.extra, "report": _report(exc.report)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "batch": result.batch.pk if result.batch is not None else 0,
                "created": len(result.customers),
                "customers": [c.code for c in result.customers],
            },
            status=status.HTTP_201_CREATED,
        )
