"""The filing form's one-time token: the case's idempotency key under the portal's actor
(kefu.cases.models.IdempotencyRecord, unique per actor and key), so a double submit, or Back and
submit again, files one case."""

from __future__ import annotations

import secrets
from typing import Any

from kefu.cases.models import Case, IdempotencyRecord
from kefu.cases.services import portal_actor

__all__ = ("new_form_token", "submitted_case", "usable_token")

PREFIX = "portal-"


def new_form_token() -> str:
    return PREFIX + secrets.token_urlsafe(18)


def usable_token(value: Any) -> str:
    """The posted token if it is one of ours (else '' and the submit is not deduplicated)."""
    text = str(value or "")
    ok = text.startswith(PREFIX) and 12 < len(text) <= 60 and text.isascii() and text.isprintable()
    return text if ok else ""


def submitted_case(token: str) -> Case | None:
    """The case an earlier submit of this form already filed, if any."""
    if not token:
        return None
    record = (
        IdempotencyRecord.objects.filter(user=portal_actor(), key=token, case__isnull=False)
        .select_related("case")
        .first()
    )
    return record.case if record else None
