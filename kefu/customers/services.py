"""Writes to customer files."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ForbiddenError
from kefu.core.inputs import bad_text
from kefu.customers.choices import CONTACT_ROLES, ContactRole, PersonalDataKind
from kefu.customers.models import Address, Contact, Customer, PersonalDataAccess
from kefu.customers.validators import validate_phone

__all__ = (
    "customer_create",
    "contact_add",
    "customer_reveal_contacts",
    "may_reveal_contacts",
    "personal_data_access_record",
)


def _next_customer_code() -> str:
    # Customer numbers need to be unique, not gap-free; time plus a random tail avoids a hot counter row.
    import secrets

    # The date is the site's (Asia/Shanghai): a customer created at 00:30 on 12-01 Beijing time is
    # C261201…, not C261130… from the UTC date.
    return f"C{timezone.localtime():%y%m%d}{secrets.token_hex(3).upper()}"


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
    id_number: str = "",
    actor: Any = None,
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
        id_number=id_number.strip().upper(),
        created_by=actor,
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


def may_reveal_contacts(user: Any) -> bool:
    """Whether `user`'s role may ask for full phone, ID and e-mail (CONTACT_ROLES; superusers too)."""
    return bool(user.is_active and (user.is_superuser or user.role in CONTACT_ROLES))


@transaction.atomic
def personal_data_access_record(
    *,
    viewer: Any,
    customer: Customer,
    kind: str,
    surface: str,
    path: str = "",
    case_id: int | None = None,
    case_number: str = "",
) -> PersonalDataAccess:
    """Write the audit row for one unmasking. Callers check the permission first."""
    return PersonalDataAccess.objects.create(
        viewer=viewer,
        customer=customer,
        kind=kind,
        surface=surface[:20],
        path=path[:300],
        case_id=case_id,
        case_number=case_number[:40],
    )


@transaction.atomic
def customer_reveal_contacts(*, customer: Customer, actor: Any, surface: str, path: str = "") -> Customer:
    """Show `customer`'s full phone numbers, ID number and e-mails to `actor`, and log it.

    `customer` must come from `Customer.objects.visible_to(actor)` (the caller's 404); this checks
    the role (CONTACT_ROLES) and writes the PersonalDataAccess row.
    """
    if not may_reveal_contacts(actor):
        raise ForbiddenError(
            _("Your role (%(role)s) sees masked phone and ID numbers only.") % {"role": actor.get_role_display()}
        )
    personal_data_access_record(
        viewer=actor, customer=customer, kind=PersonalDataKind.CONTACT_DETAILS, surface=surface, path=path
    )
    return customer
