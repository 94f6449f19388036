from django.db import models
from django.utils.translation import gettext_lazy as _

# The global channel list is part of the rulebook format (rulebooks may relabel, add and restrict channels).
from kefu.rulebooks.choices import Channel

__all__ = (
    "CaseStatus",
    "Channel",
    "Validity",
    "Responsibility",
    "RemedyKind",
    "ApprovalDecision",
    "NoteVisibility",
    "EventKind",
)


class CaseStatus(models.TextChoices):
    """Where a case is in its life, whatever its rulebook's stages are called."""

    OPEN = "open", _("Open")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged")


class Validity(models.TextChoices):
    UNCHECKED = "", _("Not checked")
    ESTABLISHED = "established", _("Stands")
    NOT_ESTABLISHED = "not_established", _("Does not stand")


class Responsibility(models.TextChoices):
    COMPANY = "company", _("Company")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")


class RemedyKind(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")
    REFUND = "refund", _("Refund")
    ALLOWANCE = "allowance", _("Allowance")
    COMPENSATION = "compensation", _("Compensation")
    APOLOGY = "apology", _("Apology / explanation")


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    CUSTOMER = "customer", _("Visible to customer")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRANSITION = "transition", _("Transition")
    TRANSFER = "transfer", _("Transfer")
    SUSPEND = "suspend", _("Suspended")
    RESUME = "resume", _("Resumed")
    WITHDRAW = "withdraw", _("Withdrawn")
    REOPEN = "reopen", _("Reopened")
    MERGE = "merge", _("Merged")
    NOTE = "note", _("Note")
    ATTACHMENT = "attachment", _("Attachment")
    HANDOVER = "handover", _("Handed over")
    FOLLOW_UP = "follow_up", _("Follow-up case opened")
    CLASSIFICATION = "classification", _("Category or severity changed")
    DEADLINE = "deadline", _("Deadline changed")
    # Something another app did about the case (a work order dispatched, a return visit made); the
    # event's data names the app ("source") and the record.
    ACTIVITY = "activity", _("Related activity")
    # Format v2: form fields changed; an escalation step changed the case; archived by retention.
    FIELDS = "fields", _("Form fields changed")
    ESCALATION = "escalation", _("Escalated")
    RETENTION = "retention", _("Archived after the retention period")
