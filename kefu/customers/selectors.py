from typing import Any

from django.db.models import Q, QuerySet

from kefu.core.hotpath import CompiledQuery
from kefu.customers.models import Customer, may_search_directory
from kefu.customers.validators import normalize_phone

__all__ = ("customer_search", "customer_for_intake")

# Every registration looks its customer up: compiled once per process (kefu.core.hotpath).
_ACTIVE = CompiledQuery(lambda pk: Customer.objects.filter(is_active=True, pk=pk), -2_000_000_001)


def customer_for_intake(*, user: Any, pk: int) -> Customer | None:
    """The active customer `pk` if `user` may open a case for them (`Customer.objects.visible_to`)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if may_search_directory(user):  # the whole directory: no per-user condition
        return _ACTIVE.first(pk)
    return Customer.objects.visible_to(user).filter(is_active=True, pk=pk).first()


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
