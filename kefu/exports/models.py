"""Records of customer data leaving or entering the system: import batches, exports, export requests
and their downloads. None of them is edited after the fact or deleted (seed-002 Doc 2: traceability
from each released record to its batch and recipient)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.exports.choices import ExportFormat, ExportKind, RequestStatus

__all__ = ("ExportDownload", "ExportRecord", "ExportRequest", "ImportBatch", "ImportUpload", "ImportedCustomer")


class ImportBatch(models.Model):
    """One committed import file: who imported it, when, the file's name and sha256, the counts."""

    at = models.DateTimeField(_("imported at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file sha256"), max_length=64, db_index=True)
    row_count = models.PositiveIntegerField(_("rows"))
    created_count = models.PositiveIntegerField(_("customers created"))

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_count})"


class ImportUpload(models.Model):
    """A file uploaded on the import page and checked (the dry run), kept until its uploader confirms
    the import — so the confirmation imports exactly the bytes that were checked, on any server process."""

    at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file sha256"), max_length=64)
    content = models.BinaryField(_("file"), editable=False)
    batch = models.OneToOneField(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="upload", verbose_name=_("batch")
    )

    class Meta:
        verbose_name = _("uploaded import file")
        verbose_name_plural = _("uploaded import files")
        ordering = ["-at", "-id"]


class ImportedCustomer(models.Model):
    """A customer created by a batch, with the file line it came from (one batch per customer)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="items")
    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="import_item"
    )
    line = models.PositiveIntegerField(_("line"))

    class Meta:
        verbose_name = _("imported customer")
        verbose_name_plural = _("imported customers")
        ordering = ["batch", "line"]


class ExportRequest(models.Model):
    """A bulk export above the rulebook's free limit: requested → approved / refused → produced → downloaded."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("what"), max_length=20, choices=ExportKind.choices, default=ExportKind.CUSTOMERS)
    file_format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices, default=ExportFormat.XLSX)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    # The records are those matching the filter with an id up to this one: what was counted and
    # approved is what is produced, even if customers are added in between.
    max_record_id = models.PositiveBigIntegerField(default=0)
    row_count = models.PositiveIntegerField(_("records"))
    reason = models.CharField(_("reason"), max_length=2000)
    approver_role = models.CharField(_("approved by role"), max_length=20)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.REQUESTED, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=2000, blank=True)
    produced_at = models.DateTimeField(_("file made at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("file sha256"), max_length=64, blank=True)
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    # The API's Idempotency-Key: a retried request returns the first one instead of asking twice.
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("export request")
        verbose_name_plural = _("export requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="exports_request_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.row_count} ({self.get_status_display()})"


class ExportRecord(models.Model):
    """One export file made: who, when, which filter, how many rows, masked or not, the file's sha256."""

    at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    exporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("exported by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=20, choices=ExportKind.choices, default=ExportKind.CUSTOMERS)
    file_format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("records"))
    masked = models.BooleanField(_("phone and ID masked"))
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("file sha256"), max_length=64, db_index=True)
    request = models.OneToOneField(
        ExportRequest,
        verbose_name=_("approved request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="record",
    )

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.row_count})"


class ExportDownload(models.Model):
    """One download of an approved export's file."""

    request = models.ForeignKey(ExportRequest, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("downloaded at"), auto_now_add=True)
    surface = models.CharField(_("where"), max_length=20)

    class Meta:
        verbose_name = _("export download")
        verbose_name_plural = _("export downloads")
        ordering = ["-at", "-id"]
