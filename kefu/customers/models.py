from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.customers.choices import (
    DIRECTORY_ROLES,
    AddressKind,
    ContactRole,
    CustomerGrade,
    CustomerType,
    PersonalDataKind,
    Region,
)

__all__ = (
    "Customer",
    "CustomerQuerySet",
    "Address",
    "Contact",
    "PersonalDataAccess",
    "may_search_directory",
    "register_case_scope",
)

# The customers a person reaches through their cases. The case engine sits above this app, so it
# registers the rule (kefu.cases.apps): customers of the cases the user may see, leaving out the
# anonymous cases whose complainant they may not see.
_case_scope: Callable[[Any], models.QuerySet] | None = None


def register_case_scope(scope: Callable[[Any], models.QuerySet]) -> None:
    """`scope(user)` returns the customer ids of the cases `user` may see with the complainant's identity."""
    global _case_scope
    _case_scope = scope


def may_search_directory(user: Any) -> bool:
    """Whether `user` may look through every customer (to find a caller at intake)."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in DIRECTORY_ROLES))


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CustomerQuerySet:
        """The customers `user` may read: the whole directory for the intake roles (DIRECTORY_ROLES),
        else the customers they opened and those of cases they may see — never through an anonymous
        case whose complainant is hidden from them (001 篇10 第十九条)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if may_search_directory(user):
            return self
        mine = models.Q(created_by=user)  # the files they opened themselves (a new caller at intake)
        if _case_scope is None:
            return self.filter(mine)
        return self.filter(mine | models.Q(pk__in=_case_scope(user)))


class Customer(TimeStampedModel):
    """A customer file (客户档案): a person, household or organisation that Kefu serves."""

    code = models.CharField(_("customer number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    customer_type = models.CharField(
        _("customer type"), max_length=20, choices=CustomerType.choices, default=CustomerType.INDIVIDUAL
    )
    grade = models.CharField(_("grade"), max_length=5, choices=CustomerGrade.choices, default=CustomerGrade.C)
    region = models.CharField(_("region"), max_length=10, choices=Region.choices, default=Region.URBAN)
    is_overseas = models.BooleanField(_("overseas"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # An ID card or other certificate number (证件号码), when the organisation needs one. Masked for all
    # but a logged "show".
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Address(TimeStampedModel):
    """A place belonging to a customer: where service happens, where bills or letters go."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=AddressKind.choices, default=AddressKind.SITE)
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    line = models.CharField(_("address"), max_length=300)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.line}"


class Contact(TimeStampedModel):
    """A person to talk to at a customer, with a role and a phone number."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("name"), max_length=80)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.PRIMARY)
    # Stored normalised (digits, '+', '#') so a search for any part of the number finds it.
    phone = models.CharField(_("phone"), max_length=30, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"


class PersonalDataAccess(models.Model):
    """One "show" of personal data: who saw whose identity or full contact details, when and where.

    Written for every unmasking (an anonymous complainant's identity, a full phone or ID number),
    never edited or deleted. `case_id`/`case_number` name the case it was shown for; they are plain
    values because the case engine sits above this app.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seen by"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="data_accesses"
    )
    kind = models.CharField(_("what was shown"), max_length=20, choices=PersonalDataKind.choices)
    case_id = models.PositiveBigIntegerField(_("case id"), null=True, blank=True, db_index=True)
    case_number = models.CharField(_("case number"), max_length=40, blank=True)
    surface = models.CharField(_("where"), max_length=20)
    path = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.viewer_id} {self.kind} {self.customer_id}"
