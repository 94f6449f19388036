"""Writes to customer files."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.exceptions import ForbiddenError
from kefu.core.inputs import bad_text
from kefu.customers.choices import CONTACT_ROLES, AddressKind, ContactRole, CustomerEventKind, PersonalDataKind
from kefu.customers.models import Address, Contact, Customer, CustomerEvent, PersonalDataAccess, ResidentUnit, Tag
from kefu.customers.validators import validate_phone

__all__ = (
    "customer_create",
    "contact_add",
    "address_add",
    "customer_event_record",
    "customer_file_update",
    "customer_tag",
    "customer_untag",
    "customer_tier_recompute",
    "unit_add",
    "unit_documents_set",
    "customer_reveal_contacts",
    "may_edit_file",
    "may_reveal_contacts",
    "site_words",
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
    *,
    customer: Customer,
    name: str,
    phone: str,
    role: str = ContactRole.OTHER,
    email: str = "",
    birthday: date | None = None,
    actor: Any = None,
) -> Contact:
    """Add a contact (with a role and, for the birthday greetings, a birthday) and its history row."""
    if message := bad_text(name or ""):
        raise ValidationError({"name": [message]})
    contact = Contact(
        customer=customer, name=name.strip(), phone=validate_phone(phone), role=role, email=email, birthday=birthday
    )
    contact.full_clean()
    contact.save()
    customer_event_record(
        customer=customer,
        kind=CustomerEventKind.CONTACT_ADDED,
        actor=actor,
        summary=_contact_words(contact),
        data={"contact": contact.pk},
    )
    return contact


def site_words():
    """Stored words (history summaries, tier reasons) are in the site's language, whoever acted."""
    from django.conf import settings
    from django.utils import translation

    return translation.override(settings.LANGUAGE_CODE)


def _contact_words(contact: Contact) -> str:
    with site_words():
        return f"{contact.name}（{contact.get_role_display()}）"


def customer_event_record(
    *, customer: Customer, kind: str, summary: str, actor: Any = None, data: dict | None = None
) -> CustomerEvent:
    """The history row of a change to a file; callers write it inside their own transaction."""
    return CustomerEvent.objects.create(
        customer=customer,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        summary=str(summary)[:300],
        data=data or {},
    )


def _refuse_bad(**values: str) -> None:
    refused = {field: [message] for field, value in values.items() if (message := bad_text(value or ""))}
    if refused:
        raise ValidationError(refused)


@transaction.atomic
def address_add(
    *,
    customer: Customer,
    line: str,
    kind: str = AddressKind.SITE,
    province: str = "",
    city: str = "",
    district: str = "",
    postcode: str = "",
    actor: Any = None,
) -> Address:
    _refuse_bad(line=line, province=province, city=city, district=district, postcode=postcode)
    address = Address(
        customer=customer,
        kind=kind,
        province=province.strip(),
        city=city.strip(),
        district=district.strip(),
        line=line.strip(),
        postcode=postcode.strip(),
    )
    address.full_clean()
    address.save()
    customer_event_record(
        customer=customer,
        kind=CustomerEventKind.ADDRESS_ADDED,
        actor=actor,
        summary=str(address),
        data={"address": address.pk},
    )
    return address


DOCUMENT_NAME_MAX = 100
DOCUMENTS_MAX = 60


def _clean_documents(documents: list[str]) -> list[str]:
    cleaned: list[str] = []
    for position, name in enumerate(documents, start=1):
        name = (name or "").strip()
        if not name:
            continue
        if len(name) > DOCUMENT_NAME_MAX or bad_text(name):
            raise ValidationError(
                {
                    "documents": [
                        _("Document %(n)d: at most %(max)d plain characters.")
                        % {"n": position, "max": DOCUMENT_NAME_MAX}
                    ]
                }
            )
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > DOCUMENTS_MAX:
        raise ValidationError({"documents": [_("At most %(max)d documents per unit file.") % {"max": DOCUMENTS_MAX}]})
    return cleaned


@transaction.atomic
def unit_add(
    *,
    customer: Customer,
    building: str,
    room: str,
    unit: str = "",
    estate: str = "",
    documents: list[str] | None = None,
    actor: Any = None,
) -> ResidentUnit:
    """Open the unit file of a flat (002 Doc 14 一: one file per flat, by building and unit)."""
    _refuse_bad(building=building, room=room, unit=unit, estate=estate)
    record = ResidentUnit(
        customer=customer,
        estate=estate.strip(),
        building=building.strip(),
        unit=unit.strip(),
        room=room.strip(),
        documents=_clean_documents(documents or []),
    )
    record.full_clean()
    record.save()
    customer_event_record(
        customer=customer, kind=CustomerEventKind.UNIT_ADDED, actor=actor, summary=str(record), data={"unit": record.pk}
    )
    return record


@transaction.atomic
def unit_documents_set(*, unit: ResidentUnit, documents: list[str], actor: Any = None) -> ResidentUnit:
    """Replace the list of documents a unit file holds; the history row names what came and went."""
    unit = ResidentUnit.objects.select_for_update().get(pk=unit.pk)
    new = _clean_documents(documents)
    added = [d for d in new if d not in unit.documents]
    removed = [d for d in unit.documents if d not in new]
    if not added and not removed:
        return unit
    unit.documents = new
    unit.save(update_fields=["documents", "updated_at"])
    summary = (
        str(unit)
        + "："
        + "；".join(
            part
            for part in ("+" + "、".join(added) if added else "", "−" + "、".join(removed) if removed else "")
            if part
        )
    )
    customer_event_record(
        customer=unit.customer,
        kind=CustomerEventKind.UNIT_DOCUMENTS,
        actor=actor,
        summary=summary,
        data={"unit": unit.pk, "added": added, "removed": removed},
    )
    return unit


TAG_MAX = 40


@transaction.atomic
def customer_tag(*, customer: Customer, name: str, actor: Any = None) -> Tag:
    name = (name or "").strip()
    if not name or len(name) > TAG_MAX or bad_text(name):
        raise ValidationError({"tag": [_("A tag is 1 to %(max)d plain characters.") % {"max": TAG_MAX}]})
    tag, _created = Tag.objects.get_or_create(name=name)
    if not customer.tags.filter(pk=tag.pk).exists():
        customer.tags.add(tag)
        customer_event_record(customer=customer, kind=CustomerEventKind.TAGGED, actor=actor, summary=tag.name)
        customer_tier_recompute(customer=customer, actor=actor)  # a tier may be given by a tag
    return tag


@transaction.atomic
def customer_untag(*, customer: Customer, name: str, actor: Any = None) -> None:
    tag = Tag.objects.filter(name=(name or "").strip()).first()
    if tag is not None and customer.tags.filter(pk=tag.pk).exists():
        customer.tags.remove(tag)
        customer_event_record(customer=customer, kind=CustomerEventKind.UNTAGGED, actor=actor, summary=tag.name)
        customer_tier_recompute(customer=customer, actor=actor)


_UNSET: Any = object()


@transaction.atomic
def customer_file_update(
    *,
    customer: Customer,
    actor: Any = None,
    owner: Any = _UNSET,
    annual_revenue: Decimal | None = _UNSET,
    grade: str = _UNSET,
    customer_type: str = _UNSET,
) -> Customer:
    """Change who keeps the file, the amount and grade the tier rules read; then recompute the tier."""
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    changes = {}
    for field, value in (
        ("owner", owner),
        ("annual_revenue", annual_revenue),
        ("grade", grade),
        ("customer_type", customer_type),
    ):
        if value is _UNSET:
            continue
        before = getattr(customer, field)
        if before != value:
            setattr(customer, field, value)
            changes[field] = [str(before) if before is not None else "", str(value) if value is not None else ""]
    if not changes:
        return customer
    customer.full_clean(exclude=["code"])
    customer.save()
    customer_event_record(
        customer=customer,
        kind=CustomerEventKind.PROFILE,
        actor=actor,
        summary=_changes_words(changes),
        data=changes,
    )
    return customer_tier_recompute(customer=customer, actor=actor)


def _changes_words(changes: dict[str, list[str]]) -> str:
    with site_words():
        return "；".join(
            f"{Customer._meta.get_field(f).verbose_name}：{a or '—'} → {b or '—'}" for f, (a, b) in changes.items()
        )


def tiers_section(version: Any = None) -> Any:
    """The `customer_tiers` section of `version`, else of the default rulebook's active version."""
    from kefu.core.exceptions import ApplicationError
    from kefu.rulebooks.selectors import rulebook_for_new_case

    if version is None:
        try:
            version = rulebook_for_new_case()
        except ApplicationError:
            return None
    return version.doc.section("customer_tiers")


@transaction.atomic
def customer_tier_recompute(*, customer: Customer, actor: Any = None, section: Any = _UNSET) -> Customer:
    """Put `customer` in the first tier of the rulebook's `customer_tiers` its file meets (004 D18 第二章
    1: VIP ≥ 500 万 …), with the reason in words; a history row when the tier changes."""
    if section is _UNSET:
        section = tiers_section()
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    if section is None:
        return customer
    tag_names = set(customer.tags.values_list("name", flat=True))
    code, label, reason = section.decide(customer, tag_names)
    if (code, label, reason) == (customer.tier, customer.tier_label, customer.tier_reason):
        return customer
    before = customer.tier_label
    customer.tier, customer.tier_label, customer.tier_reason = code, label, reason[:300]
    customer.save(update_fields=["tier", "tier_label", "tier_reason", "updated_at"])
    if before != label:
        customer_event_record(
            customer=customer,
            kind=CustomerEventKind.TIER,
            actor=actor,
            summary=f"{before or '—'} → {label or '—'}（{reason}）",
            data={"tier": code},
        )
    return customer


def may_edit_file(user: Any, customer: Customer) -> bool:
    """Who may tag a file and change its profile: the intake roles (DIRECTORY_ROLES), the keeper of
    the file, and superusers. `customer` must already be one `user` may read."""
    from kefu.customers.choices import DIRECTORY_ROLES

    return bool(user.is_active and (user.is_superuser or user.role in DIRECTORY_ROLES or customer.owner_id == user.pk))


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
