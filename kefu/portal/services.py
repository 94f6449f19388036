"""The portal's writes: a customer files a case, asks for a follow code, checks it, answers the outcome.

* **Filing** (`portal_file_case`): the customer is found by their normalised phone number among the
  contacts on file (the oldest active customer with it), else a new customer is created
  (`kefu.customers.services.customer_create`); the case is registered by the case engine as the
  customer's own (`kefu.cases.services.case_register_by_customer`). The answer — case number and a
  signed follow link — is sent after commit (kefu.portal.sender).
* **Follow codes** (`tracking_code_send`, `tracking_code_check`): 6 digits, sent to the phone on file
  when the case number and the phone number given belong together; kept only as a keyed hash
  (HMAC-SHA256 with the site's secret key), valid KEFU_PORTAL_CODE_MINUTES, locked after
  KEFU_PORTAL_CODE_TRIES wrong tries, used once. Neither function tells its caller *why* nothing
  happened: the page says the same for an unknown number, another customer's phone, a wrong,
  expired, used or locked code.
* **Signed links** (`tracking_link`, `case_for_link`): Django's signing with the secret key, holding
  the case and its customer, valid KEFU_PORTAL_LINK_DAYS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.models import Case
from kefu.cases.services import case_customer_answer, case_register_by_customer
from kefu.customers.models import Contact, Customer
from kefu.customers.services import customer_create
from kefu.customers.validators import normalize_phone
from kefu.portal.models import TrackingCode
from kefu.portal.sender import customer_message
from kefu.sla.mail import site_url

__all__ = (
    "case_for_link",
    "customer_for_phone",
    "portal_answer",
    "portal_file_case",
    "tracking_code_check",
    "tracking_code_send",
    "tracking_link",
)

LINK_SALT = "kefu.portal.track"


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def tracking_link(case: Case) -> str:
    """The signed link that opens the case's follow page, absolute (KEFU_SITE_URL, as in e-mail)."""
    token = signing.dumps({"c": case.pk, "u": case.customer_id}, salt=LINK_SALT, compress=True)
    return site_url() + reverse("portal:link", args=[token])


def case_for_link(token: str) -> Case | None:
    """The case of a signed link, or None if it is tampered with, expired, or its customer changed."""
    try:
        payload = signing.loads(
            token[:500], salt=LINK_SALT, max_age=timedelta(days=setting("KEFU_PORTAL_LINK_DAYS", 30))
        )
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(payload, dict):
        return None
    case = Case.objects.select_related("rulebook_version").filter(pk=payload.get("c")).first()
    if case is None or case.customer_id != payload.get("u"):
        return None
    return case


def customer_for_phone(phone: str) -> tuple[Customer, Contact] | None:
    """The customer (and their contact) on file with this phone number, the oldest first."""
    number = normalize_phone(phone or "")
    if not number:
        return None
    contact = (
        Contact.objects.filter(phone=number, customer__is_active=True)
        .select_related("customer")
        .order_by("customer_id", "pk")
        .first()
    )
    return (contact.customer, contact) if contact else None


def _filed_message(case: Case) -> str:
    return _(
        "Your case %(number)s was registered (%(type)s). Follow it here: %(link)s — or on the self-service "
        "page with the case number and a code sent to this phone."
    ) % {"number": case.number, "type": case.type_label, "link": tracking_link(case)}


@transaction.atomic
def portal_file_case(
    *,
    name: str,
    phone: str,
    email: str = "",
    case_type: str,
    title: str,
    description: str,
    category: str = "",
    is_anonymous: bool = False,
    fields: dict[str, Any] | None = None,
    uploads: list[UploadedFile] | tuple[UploadedFile, ...] = (),
    token: str = "",
) -> tuple[Case, bool]:
    """File a case for the customer with this phone number (new customer if none); (case, created).

    A repeat of the same form (`token`) returns the first case, sends nothing again, and creates no
    customer (the first submit's customer is found by the phone it left on file)."""
    found = customer_for_phone(phone)
    if found is None:
        customer = customer_create(name=name.strip(), phone=phone, contact_name=name.strip())
        contact = customer.contacts.order_by("pk").first()
    else:
        customer, contact = found
    case, created = case_register_by_customer(
        case_type=case_type,
        customer=customer,
        contact=contact,
        title=title,
        description=description,
        category=category,
        is_anonymous=is_anonymous,
        fields=fields,
        uploads=uploads,
        idempotency_key=token,
    )
    if not created:
        # A repeat of the form (possibly in parallel, before the first committed): undo this one's own
        # writes too — a customer it may have created — and answer with the first case.
        transaction.set_rollback(True)
        return case, False
    if created:
        customer_message(
            phone=normalize_phone(phone),
            email=email,
            subject=_("Case %(number)s registered") % {"number": case.number},
            body=_filed_message(case),
            case_id=case.pk,
        )
    return case, created


def _code_hash(case_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"kefu.portal.code:{case_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _case_of_customer(number: str, phone: str) -> Case | None:
    number = (number or "").strip().upper()[:40]
    phone = normalize_phone(phone or "")[:30]
    if not number or not phone:
        return None
    case = Case.objects.filter(number=number).select_related("rulebook_version").first()
    if case is None or not Contact.objects.filter(customer_id=case.customer_id, phone=phone).exists():
        return None
    return case


@transaction.atomic
def tracking_code_send(*, number: str, phone: str) -> bool:
    """Send a new follow code for case `number` to `phone` if it is a phone on file of the case's
    customer. Returns whether one was sent — for tests and logs only: the page never says."""
    case = _case_of_customer(number, phone)
    if case is None:
        return False
    code = f"{secrets.randbelow(1_000_000):06d}"
    TrackingCode.objects.filter(case=case, superseded=False).update(superseded=True)
    minutes = setting("KEFU_PORTAL_CODE_MINUTES", 10)
    TrackingCode.objects.create(
        case=case, code_hash=_code_hash(case.pk, code), expires_at=timezone.now() + timedelta(minutes=minutes)
    )
    customer_message(
        phone=normalize_phone(phone),
        subject=_("Your code for case %(number)s") % {"number": case.number},
        body=_("Your code to follow case %(number)s is %(code)s. It is valid for %(minutes)s minutes.")
        % {"number": case.number, "code": code, "minutes": minutes},
        case_id=case.pk,
    )
    return True


# Compared against when there is no code to check, so an unknown case number costs the same work.
_NO_CODE_HASH = "0" * 64


@transaction.atomic
def tracking_code_check(*, number: str, code: str) -> Case | None:
    """The case if `code` is its current, unexpired, unlocked, unused follow code; else None.

    A wrong code counts a try on the case's current code and locks it at KEFU_PORTAL_CODE_TRIES;
    a right one is used up. The hash is computed and compared whatever is found (no timing hint)."""
    number = (number or "").strip().upper()[:40]
    code = (code or "").strip()[:12]
    case = Case.objects.filter(number=number).select_related("rulebook_version").first() if number else None
    current = (
        TrackingCode.objects.select_for_update()
        .filter(case=case, superseded=False)
        .order_by("-created_at", "-pk")
        .first()
        if case is not None
        else None
    )
    given = _code_hash(case.pk if case else 0, code)
    matches = hmac.compare_digest(given, current.code_hash if current else _NO_CODE_HASH)
    if current is None:
        return None
    now = timezone.now()
    if current.locked or current.used_at is not None or current.expires_at <= now:
        return None
    if not (matches and code.isdigit() and len(code) == 6):
        current.tries += 1
        current.locked = current.tries >= setting("KEFU_PORTAL_CODE_TRIES", 5)
        current.save(update_fields=["tries", "locked"])
        return None
    current.used_at = now
    current.save(update_fields=["used_at"])
    return case


def portal_answer(*, case: Case, accept: bool, reason: str, expected_version: int) -> Case:
    """The customer's accept/reject, by the case engine; a rejection's follow-up case is announced to
    the customer (its number and follow link) after commit."""
    with transaction.atomic():
        case = case_customer_answer(case=case, accept=accept, reason=reason, expected_version=expected_version)
        if not accept:
            follow_up = case.follow_ups.order_by("-pk").first()
            contact = case.contact or case.customer.contacts.order_by("pk").first()
            if follow_up is not None and contact is not None:
                customer_message(
                    phone=contact.phone,
                    subject=_("Case %(number)s registered") % {"number": follow_up.number},
                    body=_filed_message(follow_up),
                    case_id=follow_up.pk,
                )
    return case
