"""What intake knows about the caller: their open and recent cases, a likely repeat complaint, a
phone number that already has a customer, and the one-time form token against double submits.

* **Caller's cases** (`caller_cases`): for each customer offered at intake, their open cases and those
  received in the repeat window, newest first — one query for all the customers shown, from
  `visible_to` and, for anonymous complaints, only those whose complainant the reader may see.
* **Repeat complaint** (`repeat_complaints`): same customer, same case type (of the kinds the
  rulebook section `repeat_complaints` names; default: complaints), same category, and the earlier
  case open, or received or closed within `window_days` (default 30). Intake shows them and
  registers only after the agent confirms "this is a new matter".
* **Existing phone** (`customer_with_phone`): a new customer whose phone number (normalised) is
  already a contact's is offered that customer instead; the agent may still confirm a new file.
* **Form token**: intake carries a one-time token (`new_form_token`); it is the case's idempotency
  key (`kefu.cases.models.IdempotencyRecord`, unique per user and key), so a double submit or
  Back + submit registers one case; the repeat's own writes (a new customer) are rolled back.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kefu.cases.models import Case, IdempotencyRecord, identity_q
from kefu.customers.models import Customer
from kefu.customers.validators import normalize_phone
from kefu.rulebooks.schema import RulebookDoc
from kefu.web.rules import DEFAULT_WINDOW_DAYS

__all__ = (
    "caller_cases",
    "case_for_token",
    "customer_with_phone",
    "new_form_token",
    "repeat_complaints",
    "repeat_window_days",
    "usable_token",
)

TOKEN_PREFIX = "form-"
CASES_PER_CALLER = 5


def new_form_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(18)


def usable_token(value: Any) -> str:
    """The posted token if it is one of ours (else '' and the submit is not deduplicated)."""
    text = str(value or "")
    ok = text.startswith(TOKEN_PREFIX) and 10 < len(text) <= 60 and text.isascii() and text.isprintable()
    return text if ok else ""


def case_for_token(user: Any, token: str) -> Case | None:
    """The case an earlier submit of this form already registered, if any."""
    if not token:
        return None
    record = IdempotencyRecord.objects.filter(user=user, key=token, case__isnull=False).select_related("case").first()
    return record.case if record else None


def repeat_window_days(doc: RulebookDoc | None) -> int:
    section = doc.section("repeat_complaints") if doc is not None else None
    return section.window_days if section is not None else DEFAULT_WINDOW_DAYS


def _repeat_types(doc: RulebookDoc) -> set[str]:
    section = doc.section("repeat_complaints")
    if section is not None and section.case_types is not None:
        return set(section.case_types)
    return {key for key, type_def in doc.case_types.items() if type_def.kind == "complaint"}


def _recent(since: Any) -> Q:
    return Q(status__in=["open", "suspended"]) | Q(received_at__gte=since) | Q(closed_at__gte=since)


def caller_cases(customers: list[Customer], user: Any, *, doc: RulebookDoc | None = None) -> dict[int, list[Case]]:
    """Open and recent cases of each customer, by customer id (one query)."""
    out: dict[int, list[Case]] = {c.pk: [] for c in customers}
    if not customers:
        return out
    since = timezone.now() - timedelta(days=repeat_window_days(doc))
    rows = (
        Case.objects.visible_to(user)
        .filter(identity_q(user))
        .filter(_recent(since), customer_id__in=list(out))
        .select_related("rulebook_version")
        .defer("rulebook_version__source_text", "description")
        .order_by("-received_at", "-id")
    )
    for case in rows[: CASES_PER_CALLER * len(out)]:
        if len(out[case.customer_id]) < CASES_PER_CALLER:
            out[case.customer_id].append(case)
    return out


def repeat_complaints(
    *, customer: Customer | None, doc: RulebookDoc, case_type: str, category: str, user: Any
) -> list[Case]:
    """Earlier cases that make this new one look like a repeat (empty when it does not)."""
    if customer is None or not category or case_type not in _repeat_types(doc):
        return []
    since = timezone.now() - timedelta(days=repeat_window_days(doc))
    return list(
        Case.objects.visible_to(user)
        .filter(identity_q(user))
        .filter(_recent(since), customer=customer, case_type=case_type, category=category)
        .select_related("rulebook_version")
        .order_by("-received_at", "-id")[:5]
    )


def customer_with_phone(phone: str, user: Any) -> Customer | None:
    """The customer (one the reader may see) who already has this phone number, if any."""
    number = normalize_phone(phone or "")
    if not number:
        return None
    return (
        Customer.objects.visible_to(user)
        .filter(contacts__phone=number, is_active=True)
        .prefetch_related("contacts")
        .order_by("pk")
        .first()
    )
