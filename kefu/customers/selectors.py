from typing import Any

from django.db.models import Q, QuerySet

from kefu.customers.models import Customer
from kefu.customers.validators import normalize_phone

__all__ = ("customer_search",)


def customer_search(*, query: str, user: Any, limit: int = 20) -> QuerySet[Customer]:
    """Find the customers `user` may see by any part of a contact's phone number, or by name or number."""
    query = query.strip()
    if not query:
        return Customer.objects.none()
    phone_part = normalize_phone(query)
    condition = Q(name__icontains=query) | Q(code__iexact=query)
    if phone_part.lstrip("+").replace("#", "").isdigit() and len(phone_part) >= 3:
        condition |= Q(contacts__phone__contains=phone_part)
    return Customer.objects.visible_to(user).filter(condition).distinct().prefetch_related("contacts")[:limit]
