from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = (
    "CustomerType",
    "CustomerGrade",
    "Region",
    "ContactRole",
    "AddressKind",
    "PersonalDataKind",
    "DIRECTORY_ROLES",
    "CONTACT_ROLES",
)


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


class PersonalDataKind(models.TextChoices):
    """What a logged "show" revealed (kefu.customers.models.PersonalDataAccess)."""

    ANONYMOUS_IDENTITY = "anonymous_identity", _("Identity of an anonymous complainant")
    CONTACT_DETAILS = "contact_details", _("Full phone, ID and e-mail")


# Who may search the whole customer directory: the people who take contacts and must find a caller
# (agents, their supervisors, the administrator). Everybody else sees only the customers of the cases
# they may see (kefu.customers.models.CustomerQuerySet.visible_to).
DIRECTORY_ROLES = frozenset({"agent", "supervisor", "administrator"})
# Who may ask for a customer's full phone, ID number and e-mail (a logged "show"): the people who call
# or visit customers — intake, handling, on-site work, return visits. Managers and leadership approve
# and read reports; they see masked numbers only.
CONTACT_ROLES = frozenset({"agent", "supervisor", "handler", "technician", "quality", "administrator"})
