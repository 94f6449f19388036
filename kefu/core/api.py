"""Shared REST API plumbing: one exception handler, pagination."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kefu.core.exceptions import ApplicationError

__all__ = ("exception_handler", "KefuCursorPagination")


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
        response.data = {"detail": "Invalid input.", "errors": data}
    return response


class KefuCursorPagination(pagination.CursorPagination):
    """Cursor pagination: constant cost per page however many million cases there are."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
