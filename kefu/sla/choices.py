from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("ClockStatus", "NoticeKind")


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class NoticeKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    OVERDUE = "overdue", _("Overdue notice")
    ESCALATION = "escalation", _("Escalation")
    # Work-inbox entries that are not deadline notices (kefu.sla.inbox.inbox_notify).
    WORK = "work", _("Work for you")
    INFO = "info", _("For your information")
