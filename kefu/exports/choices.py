from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("ExportFormat", "ExportKind", "RequestStatus")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel workbook (.xlsx)")
    CSV = "csv", _("CSV (UTF-8)")


class ExportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customer list")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved, file being made")
    REFUSED = "refused", _("Refused")
    PRODUCED = "produced", _("Ready to download")
    DOWNLOADED = "downloaded", _("Downloaded")
