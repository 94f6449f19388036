from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = (
    "CustomerType",
    "CustomerGrade",
    "Region",
    "ContactRole",
    "AddressKind",
    "PersonalDataKind",
    "CustomerEventKind",
    "CareOccasion",
    "CareChannel",
    "CareStatus",
    "HOLIDAY_OCCASIONS",
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
    # The roles a file names for an installed product (issue 9 "Customer files"): who owns the
    # equipment, who answers for the business, who administers it, who uses it.
    EQUIPMENT_OWNER = "equipment_owner", _("Equipment owner")
    BUSINESS_OWNER = "business_owner", _("Business owner")
    ADMINISTRATOR = "administrator", pgettext_lazy("contact role", "Administrator")
    END_USER = "end_user", _("End user")
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


class CustomerEventKind(models.TextChoices):
    """What a row of a file's history (kefu.customers.models.CustomerEvent) records."""

    CONTACT_ADDED = "contact_added", _("Contact added")
    ADDRESS_ADDED = "address_added", _("Address added")
    UNIT_ADDED = "unit_added", _("Unit file opened")
    UNIT_DOCUMENTS = "unit_documents", _("Unit documents changed")
    TAGGED = "tagged", _("Tag added")
    UNTAGGED = "untagged", _("Tag removed")
    PROFILE = "profile", _("Profile changed")
    TIER = "tier", _("Tier changed")
    CARE_DONE = "care_done", _("Greeting made")


class CareOccasion(models.TextChoices):
    """Occasions of a greeting (004 D18 第十条 "在重要节假日或客户生日时…问候")."""

    BIRTHDAY = "birthday", _("Birthday")
    NEW_YEAR = "new_year", _("New Year's Day")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    LABOUR_DAY = "labour_day", _("Labour Day")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival")
    NATIONAL_DAY = "national_day", _("National Day")


# The name the working calendar gives each holiday (kefu.calendars.official._HOLIDAY_NAMES): a care
# occasion falls on the first day of the holiday of that name in the calendar's year.
HOLIDAY_OCCASIONS = {
    CareOccasion.NEW_YEAR: "元旦",
    CareOccasion.SPRING_FESTIVAL: "春节",
    CareOccasion.LABOUR_DAY: "劳动节",
    CareOccasion.MID_AUTUMN: "中秋节",
    CareOccasion.NATIONAL_DAY: "国庆节",
}


class CareChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("Text message")
    CARD = "card", _("Card")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")


class CareStatus(models.TextChoices):
    DUE = "due", _("To do")
    DONE = "done", _("Done")
