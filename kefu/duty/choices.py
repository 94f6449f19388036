from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("RosterStatus", "ShiftStatus", "SwapStatus", "ShiftEventKind", "SUPERVISING_ROLES")


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ShiftStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the supervisor")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ShiftEventKind(models.TextChoices):
    CREATED = "created", _("Scheduled")
    REASSIGNED = "reassigned", _("Reassigned by the supervisor")
    SWAPPED = "swapped", _("Swapped (approved)")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")


# Who draws up rosters and approves swaps for their unit and the units below it (主管).
SUPERVISING_ROLES = frozenset({"supervisor", "manager", "deputy_gm", "general_manager", "administrator"})
