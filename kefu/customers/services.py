"""Writes to customer files."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.core.inputs import bad_text
from kefu.customers.choices import ContactRole
from kefu.customers.models import Address, Contact, Customer
from kefu.customers.validators import validate_phone

__all__ = ("customer_create", "contact_add")


def _next_customer_code() -> str:
    # Customer numbers need to be unique, not gap-free; time plus a random tail avoids a hot counter row.
    import secrets

    return f"C{timezone.now():%y%m%d}{secrets.token_hex(3).upper()}"


@transaction.atomic
def customer_create(
    *,
    name: str,
    phone: str,
    contact_name: str = "",
    customer_type: str = "individual",
    grade: str = "C",
    region: str = "urban",
    is_overseas: bool = False,
    address: str = "",
    code: str | None = None,
) -> Customer:
    """Create a customer with its first contact (and address, if given) — the intake form's path."""
    # Lengths are checked by full_clean below; characters PostgreSQL refuses are not.
    refused = {
        field: [message]
        for field, value in (("name", name), ("contact_name", contact_name), ("address", address), ("phone", phone))
        if (message := bad_text(value or ""))
    }
    if refused:
        raise ValidationError(refused)
    normalized = validate_phone(phone)
    customer = Customer(
        code=code or _next_customer_code(),
        name=name.strip(),
        customer_type=customer_type,
        grade=grade,
        region=region,
        is_overseas=is_overseas,
    )
    customer.full_clean()
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:  # the 1-in-16-million code clash: take another
        customer.code = _next_customer_code()
        customer.save()
    contact_add(customer=customer, name=contact_name or customer.name, phone=normalized, role=ContactRole.PRIMARY)
    if address:
        addr = Address(customer=customer, line=address)
        addr.full_clean()
        addr.save()
    return customer


@transaction.atomic
def contact_add(
    *, customer: Customer, name: str, phone: str, role: str = ContactRole.OTHER, email: str = ""
) -> Contact:
    contact = Contact(customer=customer, name=name.strip(), phone=validate_phone(phone), role=role, email=email)
    contact.full_clean()
    contact.save()
    return contact
