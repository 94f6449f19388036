from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("Channel", "StateKind", "TransitionAction", "Operation")


class StateKind(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class TransitionAction(models.TextChoices):
    """What the engine does on a rulebook transition, beyond moving the case to the target state.

    The rulebook decides the states, the order and who may act; the action decides which input the
    transition needs and which fields of the case it fills in.
    """

    ADVANCE = "advance", _("Advance")
    ESTABLISH = "establish", _("Complaint stands")
    NOT_ESTABLISHED = "not_established", _("Complaint does not stand")
    ROUTE = "route", _("Route to unit")
    ASSIGN = "assign", _("Assign handler")
    FINDING = "finding", _("Record cause and responsibility")
    REMEDY = "remedy", _("Propose remedy")
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")
    REPLY = "reply", _("Reply to customer")
    CUSTOMER_ACCEPT = "customer_accept", _("Customer accepts")
    CUSTOMER_REJECT = "customer_reject", _("Customer rejects")
    RETURN_VISIT = "return_visit", _("Return visit")
    REVIEW = "review", _("Review")
    CLOSE = "close", _("Close")
    ARCHIVE = "archive", _("Archive")


class Operation(models.TextChoices):
    """Operations every case type has, outside its own state graph. Who may do them is rulebook data."""

    TRANSFER = "transfer", _("Transfer")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    WITHDRAW = "withdraw", _("Withdraw")
    REOPEN = "reopen", _("Reopen")
    MERGE = "merge", _("Merge duplicate")
    NOTE = "note", _("Add note")


class Channel(models.TextChoices):
    """Kefu's global channels: every rulebook's default list. A rulebook may relabel them, add its own
    (`channels:`) and restrict a case type to some (docs/rulebooks.md, "Channels")."""

    PHONE = "phone", _("Phone")
    HOTLINE = "hotline", _("Service hotline")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    WECHAT = "wechat", _("WeChat")
    OPINION_BOX = "opinion_box", _("Opinion box")
    API = "api", _("API")
    OTHER = "other", _("Other")
