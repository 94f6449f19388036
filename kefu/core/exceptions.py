"""Errors raised by services. The API and the web views turn them into 400/403/409 responses."""

from typing import Any

__all__ = ("ApplicationError", "ConflictError", "FieldErrors", "ForbiddenError")


class ApplicationError(Exception):
    """A business rule refused the request; nothing was changed. Maps to HTTP 400."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ForbiddenError(ApplicationError):
    """The actor may see the object but may not do this to it (role, recusal). Maps to HTTP 403."""

    status_code = 403


class ConflictError(ApplicationError):
    """The object changed since the client read it (stale version). Maps to HTTP 409."""

    status_code = 409


class FieldErrors:
    """Collects field errors so a request learns everything that is wrong at once.

    Services add to it while they check their input and call `raise_if_any()` before writing, so a
    refused request changes nothing and reports every bad field, not just the first.
    """

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self, message: str = "") -> None:
        if self.fields:
            from django.utils.translation import gettext as _

            raise ApplicationError(message or _("Invalid input."), extra=self.fields)
