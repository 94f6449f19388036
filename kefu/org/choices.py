from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("UnitKind", "Role", "ALL_SEEING_ROLES", "UNIT_SEEING_ROLES")


class UnitKind(models.TextChoices):
    GROUP = "group", _("Group")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DEPARTMENT = "department", _("Department")
    TEAM = "team", _("Team")


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    HANDLER = "handler", _("Handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    DEPUTY_GM = "deputy_gm", _("Deputy general manager")
    QUALITY = "quality", _("Quality")
    GENERAL_MANAGER = "general_manager", _("General manager")
    TECHNICIAN = "technician", _("Technician")
    ADMINISTRATOR = "administrator", _("Administrator")


# Who sees every case, and who sees the cases of their unit and the units below it.
ALL_SEEING_ROLES = frozenset({Role.GENERAL_MANAGER, Role.DEPUTY_GM, Role.QUALITY, Role.ADMINISTRATOR})
UNIT_SEEING_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER})
