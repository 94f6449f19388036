from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("ArticleStatus", "Visibility", "TemplatePurpose", "ScriptField", "EDITOR_ROLES")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (staff only)")
    PUBLIC = "public", _("Public (customers too)")


class TemplatePurpose(models.TextChoices):
    REPLY = "reply", _("Reply to the customer")
    NOTE = "note", _("Note")
    ANY = "any", _("Reply or note")


class ScriptField(models.TextChoices):
    """Where the answer to a script question goes when the call becomes a case."""

    NONE = "", _("Not stored on the case")
    DESCRIPTION = "description", _("Problem description")
    ADDRESS = "address", _("Address")
    CUSTOMER_NAME = "customer_name", _("Customer name")
    PHONE = "phone", _("Contact phone")
    CUSTOMER_REQUEST = "customer_request", _("Customer's request")


# Who writes articles, reply templates and call scripts (besides an article's owner, who may always
# edit their own). Everyone with a role reads them (`reads_internal`).
EDITOR_ROLES = frozenset({"supervisor", "manager", "deputy_gm", "quality", "general_manager", "administrator"})
