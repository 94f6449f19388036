"""Errors raised by services. The API and the web views turn them into 400/403/409 responses."""

from typing import Any

__all__ = ("ApplicationError", "ConflictError", "ForbiddenError")


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
