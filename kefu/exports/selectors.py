"""Reads: the customers an export takes, and the export requests a person may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.core.exceptions import ApplicationError
from kefu.core.inputs import TEXT_LIMITS, bad_text
from kefu.customers.choices import CustomerGrade, CustomerType, Region
from kefu.customers.models import Customer
from kefu.customers.validators import normalize_phone
from kefu.exports.models import ExportRequest

__all__ = ("EXPORT_FILTERS", "clean_filters", "export_customers", "export_requests_visible_to")

# The filters of the customer list an export can take (the list's own, plus "q" for its search box).
EXPORT_FILTERS = ("q", "grade", "customer_type", "region", "is_active")
_CHOICES = {"grade": CustomerGrade.values, "customer_type": CustomerType.values, "region": Region.values}


def clean_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """The filter as stored on the record: known keys only, values checked; 400 naming the key."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value in (None, "", []):
            continue
        if key not in EXPORT_FILTERS:
            errors[key] = [_("Unknown filter.")]
            continue
        if key == "is_active":
            if isinstance(value, bool):
                out[key] = value
            elif str(value).lower() in ("true", "1", "false", "0"):
                out[key] = str(value).lower() in ("true", "1")
            else:
                errors[key] = [_("true or false.")]
            continue
        text = str(value)
        if key == "q":
            if len(text) > TEXT_LIMITS["search"] or bad_text(text):
                errors[key] = [_("At most %(limit)s characters.") % {"limit": TEXT_LIMITS["search"]}]
            else:
                out[key] = text.strip()
        elif text not in _CHOICES[key]:
            errors[key] = [_("Unknown value “%(value)s”.") % {"value": text[:40]}]
        else:
            out[key] = text
    if errors:
        raise ApplicationError(_("Invalid filter."), extra=errors)
    return out


def export_customers(*, user: Any, filters: dict[str, Any], max_id: int | None = None) -> QuerySet[Customer]:
    """The customers `user` may see that match `filters` (already cleaned), oldest first."""
    qs = Customer.objects.visible_to(user)
    if query := filters.get("q"):
        # The list's search (kefu.customers.selectors.customer_search) without its cap for the intake box.
        condition = Q(name__icontains=query) | Q(code__iexact=query)
        phone_part = normalize_phone(query)
        if phone_part.lstrip("+").replace("#", "").isdigit() and len(phone_part) >= 3:
            condition |= Q(contacts__phone__contains=phone_part)
        qs = qs.filter(pk__in=Customer.objects.filter(condition).values("pk"))
    for key in ("grade", "customer_type", "region", "is_active"):
        if key in filters:
            qs = qs.filter(**{key: filters[key]})
    if max_id is not None:
        qs = qs.filter(pk__lte=max_id)
    return qs.order_by("pk")


def export_requests_visible_to(user: Any) -> QuerySet[ExportRequest]:
    """A person's own requests and those their role decides; the all-seeing roles (leadership, quality,
    administrators) see every request, as they oversee what data leaves the company."""
    qs = ExportRequest.objects.select_related("requester", "decided_by").defer("content")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(Q(requester=user) | Q(approver_role=user.role))
