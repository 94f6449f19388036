"""Refuse requests no view could handle before anything reads them (docs/api.md, "Limits").

* A body larger than the site accepts answers **413** from its `Content-Length` alone, before a byte
  of it is read: Django and DRF would otherwise read (or spool to disk) all of it first.
* A path or query parameter holding a NUL character answers **400** naming the parameter: PostgreSQL
  refuses NUL in text, so it would otherwise fail deep inside a query as a server error. So does a
  query string over MAX_QUERY_STRING characters, or under /api/ one value over MAX_QUERY_VALUE.

Bodies are checked where they are parsed: DRF's parsers (kefu.core.parsers) and Django's form
fields, which refuse NUL themselves. API paths get the API's error shape
(`{"detail", "errors"}` as JSON); web paths a short plain-text page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _

from kefu.core.inputs import bad_text

__all__ = ("MAX_QUERY_STRING", "MAX_QUERY_VALUE", "RequestGuardMiddleware", "request_body_limit")

# No filter, search term or cursor needs more; gunicorn's request line (limit_request_line in
# `kefu run`) is longer, so a client meets this JSON answer rather than the server's own page.
MAX_QUERY_STRING = 4096
MAX_QUERY_VALUE = 120


def request_body_limit(request: HttpRequest) -> int:
    """The largest body accepted for this request: an attachment (plus room for the other form
    fields) for a multipart upload, DATA_UPLOAD_MAX_MEMORY_SIZE for everything else."""
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/"):
        return settings.KEFU_MAX_ATTACHMENT_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError
        except ValueError:
            return self._answer(request, 400, _("The Content-Length header is not a number."), "Content-Length")
        limit = request_body_limit(request)
        if length > limit:
            return self._answer(
                request,
                413,
                _("The request is too large: %(size)s MiB, at most %(limit)s MiB are accepted.")
                % {"size": _mib(length), "limit": _mib(limit)},
                "file" if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/") else "body",
            )
        if message := bad_text(request.path):
            return self._answer(request, 400, message, "path")
        query = request.META.get("QUERY_STRING", "")
        if not query:
            return None
        if len(query) > MAX_QUERY_STRING:
            message = _("The query string is too long: at most %(limit)s characters.") % {"limit": MAX_QUERY_STRING}
            return self._answer(request, 400, message, "query")
        api = request.path.startswith("/api/")
        for name, values in QueryDict(query).lists():
            shown = name.replace("\x00", "\\x00")[:60] or "query"
            if bad_text(name) or any(bad_text(v) for v in values):
                return self._answer(request, 400, _("Null characters are not allowed."), shown)
            # API parameters only: web pages (the admin's _changelist_filters) carry longer values.
            if api and any(len(v) > MAX_QUERY_VALUE for v in values):
                message = _("At most %(limit)s characters.") % {"limit": MAX_QUERY_VALUE}
                return self._answer(request, 400, message, shown)
        return None

    @staticmethod
    def _answer(request: HttpRequest, status: int, message: str, field: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            detail = _("Invalid input.") if status == 400 else message
            return JsonResponse({"detail": detail, "errors": {field: [message]}}, status=status)
        return HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
