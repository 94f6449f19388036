from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = (
    "PENDING",
    "ExtensionStatus",
    "FlagKind",
    "ReportStatus",
    "QuestionType",
    "RescheduleReason",
    "VisitEventKind",
    "VisitMethod",
    "VisitPurpose",
    "VisitStatus",
)


class VisitMethod(models.TextChoices):
    """回访方式 (seed-002 Doc 1: 电话、信函、电子邮件、QQ 等即时通讯、上门; the issue adds meetings)."""

    PHONE = "phone", _("Phone")
    ON_SITE = "on_site", _("On site")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    IM = "im", _("Instant messaging")
    MEETING = "meeting", _("Meeting")


class VisitPurpose(models.TextChoices):
    """Why the customer is visited (seed-002 Doc 1 names three purposes; a call-back follows a case)."""

    CALL_BACK = "call_back", _("Call-back after a case")
    USAGE = "usage", _("Product usage and guidance")
    CUSTOMER_FILE = "customer_file", _("Customer file and services")
    RELATIONSHIP = "relationship", _("Relationship")


class VisitStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Not reachable")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses in which a visit is still to be made.
PENDING = (VisitStatus.OPEN, VisitStatus.RESCHEDULED)


class VisitEventKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    RECORDED = "recorded", _("Recorded")
    UNREACHABLE = "unreachable", _("Closed as not reachable")
    CANCELLED = "cancelled", _("Cancelled")
    REPORTED = "reported", _("Report submitted")
    REVIEWED = "reviewed", _("Report reviewed")
    FLAGGED = "flagged", _("Flagged by the supervisor")


class QuestionType(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    SCORE = "score", _("Score 1–10")
    CHOICE = "choice", _("Choice")
    TEXT = "text", _("Text")


class RescheduleReason(models.TextChoices):
    NOT_REACHABLE = "not_reachable", _("Not reachable")
    CALL_LATER = "call_later", _("Call me later")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    RETURNED = "returned", _("Sent back")
    APPROVED = "approved", _("Approved")


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the supervisor")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class FlagKind(models.TextChoices):
    FALSIFIED = "falsified", _("Falsified visit")
    MISSED = "missed", _("Missed visit")
