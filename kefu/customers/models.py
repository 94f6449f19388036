from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.customers.choices import AddressKind, ContactRole, CustomerGrade, CustomerType, Region

__all__ = ("Customer", "Address", "Contact")


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
