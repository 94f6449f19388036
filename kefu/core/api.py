"""Shared REST API plumbing: one exception handler, pagination, the JSON 404/500 pages under /api/,
and the error responses every list documents."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kefu.core.exceptions import ApplicationError

__all__ = (
    "ERROR_400",
    "ERROR_404",
    "LIST_ERRORS",
    "KefuCursorPagination",
    "exception_handler",
    "page_not_found",
    "schema_common_responses",
    "server_error",
)

ERROR_400 = OpenApiResponse(
    OpenApiTypes.OBJECT, description="Invalid input: {detail, errors: {field: [messages]}}; nothing was changed."
)
ERROR_404 = OpenApiResponse(OpenApiTypes.OBJECT, description="{detail}: no such object, or not one you may see.")
# Every list: a bad filter or ordering value is 400 naming the parameter; a cursor that was not made
# by this list (edited, or from another list) is 404.
LIST_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="A bad filter value: {detail, errors: {parameter: [...]}}"),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="{detail}: the cursor is not one this list made."),
}


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: under /api/ a path no route matches (`/api/v1/cases/0.5/`) answers in the API's
    JSON error shape like every other 404 there; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, so a client parses one shape even when Kefu fails."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return defaults.server_error(request)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map service errors to HTTP: ApplicationError 400/403/409, Django ValidationError 400.

    The body is always {"detail": "...", "errors": {field: [messages]}} so clients parse one shape.
    """
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": "; ".join(exc.messages), "errors": errors}, status=400)
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.extra:
            body["errors"] = exc.extra
        # Structured details a client can act on (e.g. `text_checks`: the positions of 服务忌语 hits).
        body.update(getattr(exc, "details", None) or {})
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        data = response.data
        if isinstance(data, list):
            data = {"non_field_errors": data}
        response.data = {"detail": _("Invalid input."), "errors": data}
    return response


class KefuCursorPagination(pagination.CursorPagination):
    """Cursor pagination: constant cost per page however many million cases there are."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200


def schema_common_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the answers kefu.core.middleware gives on any operation,
    before a view runs, so the schema lists every status a client can get.

    Every operation may answer 400 (a NUL character in the path or a query parameter, a query value over
    MAX_QUERY_VALUE characters, a Content-Length that is not a number); every operation with a request
    body may answer 413 (body over its limit); every cursor-paginated list 404 (a cursor it did not
    make). String query parameters say their MAX_QUERY_VALUE.
    """
    from kefu.core.middleware import MAX_QUERY_VALUE

    error = {"content": {"application/json": {"schema": {"type": "object"}}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string" and "enum" not in schema:
                    schema["maxLength"] = min(schema.get("maxLength", MAX_QUERY_VALUE), MAX_QUERY_VALUE)
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "400",
                {
                    **error,
                    "description": "A malformed request: a NUL character in the path or a query parameter "
                    "({detail, errors: {parameter: [...]}}).",
                },
            )
            if method in {"post", "put", "patch"}:
                responses.setdefault(
                    "413", {**error, "description": "The body is over its limit (docs/api.md, 'Limits')."}
                )
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                # Every path with an id or a code answers 404 to one that does not exist or is not yours to see.
                responses.setdefault(
                    "404", {**error, "description": "{detail}: no such object, or not one you may see."}
                )
            if any(p.get("in") == "query" and p.get("name") == "cursor" for p in operation.get("parameters", [])):
                # Every cursor-paginated list answers 404 to a cursor it did not make (KefuCursorPagination).
                responses.setdefault("404", {**error, "description": "{detail}: the cursor is not one this list made."})
    return result
