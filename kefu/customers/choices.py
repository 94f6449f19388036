from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("CustomerType", "CustomerGrade", "Region", "ContactRole", "AddressKind")


class CustomerType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    RESIDENT = "resident", _("Resident / owner")
    ENTERPRISE = "enterprise", _("Enterprise")
    RETAILER = "retailer", _("Retailer")
    WHOLESALE = "wholesale", _("Wholesale")
    FRANCHISE = "franchise", _("Franchisee")
    GOVERNMENT = "government", _("Government / institution")


class CustomerGrade(models.TextChoices):
    KEY = "key", _("Key account")
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Region(models.TextChoices):
    URBAN = "urban", _("Urban")
    SUBURBAN = "suburban", _("Suburban")


class ContactRole(models.TextChoices):
    PRIMARY = "primary", _("Primary contact")
    PURCHASING = "purchasing", _("Purchasing")
    TECHNICAL = "technical", _("Technical")
    FINANCE = "finance", _("Finance")
    MANAGEMENT = "management", _("Management")
    OTHER = "other", _("Other")


class AddressKind(models.TextChoices):
    SITE = "site", _("Service site")
    BILLING = "billing", _("Billing")
    MAIL = "mail", _("Mailing")
