"""What happens to a work order away from the customer's site: take-back repairs (送修/带回维修,
seed-004 D10 2.2(4)(5), D11 6–9), photos of the job, and outside contractors (外包/协作单位).

Imported by `kefu.workorders.models`, so the models belong to the `workorders` app.

* `TakeBack` is the 客户商品领取收据 (取件单) and the 修护卡 of one order: what was taken, in what
  condition, with which accessories, the promised return day, and — once back — the cancelled
  receipt and the invoice dated the day of return (D11 8).
* `GoodsMovement` is the 客户商品进出登记簿: one row per movement, numbered per take-back, never
  edited or deleted (a correction is a new row that names the row it corrects).
* `RepairEntry`: one line of the repair card (who, time spent, what was found and done); the parts
  are the order's `PartLine`s, so the fee is computed exactly as for on-site work.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel

__all__ = (
    "Contractor",
    "ContractorRequest",
    "GoodsMovement",
    "MovementKind",
    "OrderPhoto",
    "PhotoKind",
    "RepairEntry",
    "RequestStatus",
    "TakeBack",
    "TakeBackStatus",
)

USER = settings.AUTH_USER_MODEL


class TakeBackStatus(models.TextChoices):
    IN_REPAIR = "in_repair", _("In the workshop")
    AT_SUPPLIER = "at_supplier", _("At the supplier")
    INSPECTION = "inspection", _("Waiting for inspection")
    READY = "ready", _("Inspected, ready to return")
    RETURNED = "returned", _("Returned to the customer")


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received from the customer")
    TO_WORKSHOP = "to_workshop", _("To the workshop")
    TO_SUPPLIER = "to_supplier", _("Sent to the supplier")
    FROM_SUPPLIER = "from_supplier", _("Back from the supplier")
    RETURNED = "returned", _("Returned to the customer")
    CORRECTION = "correction", _("Correction")


class TakeBack(TimeStampedModel):
    order = models.OneToOneField("workorders.WorkOrder", on_delete=models.PROTECT, related_name="takeback")
    number = models.CharField(_("receipt number"), max_length=30, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=TakeBackStatus.choices, default=TakeBackStatus.IN_REPAIR
    )
    items = models.TextField(_("items taken"), max_length=1000)
    condition = models.CharField(_("condition"), max_length=500)
    accessories = models.CharField(_("accessories"), max_length=500, blank=True)
    promised_on = models.DateField(_("promised return day"))
    customer_signature = models.TextField(_("customer's signature"))  # data:image/png;base64,…
    received_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    late_at = models.DateTimeField(_("reported late at"), null=True, blank=True)
    failed_inspections = models.PositiveIntegerField(_("failed inspections"), default=0)
    inspected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    receipt_cancelled_at = models.DateTimeField(_("receipt cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("take-back repair")
        verbose_name_plural = _("take-back repairs")
        ordering = ["promised_on", "id"]
        indexes = [models.Index(fields=["promised_on"], name="wo_takeback_due", condition=Q(late_at__isnull=True))]
        constraints = [
            # Returned goods always have their receipt taken back and cancelled (收回取件单, D11 7).
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(receipt_cancelled_at__isnull=False),
                name="wo_takeback_receipt_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class AppendOnly(models.Model):
    """A register row: written once, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are never changed; add a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are never deleted; add a correction instead.")


class GoodsMovement(AppendOnly):
    takeback = models.ForeignKey(TakeBack, on_delete=models.PROTECT, related_name="movements")
    seq = models.PositiveIntegerField(_("line"))
    kind = models.CharField(_("movement"), max_length=14, choices=MovementKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects line"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("goods movement")
        verbose_name_plural = _("goods in/out register")
        ordering = ["takeback", "seq"]
        constraints = [models.UniqueConstraint(fields=["takeback", "seq"], name="wo_movement_seq")]

    def __str__(self) -> str:
        return f"{self.takeback_id}#{self.seq} {self.kind}"


class RepairEntry(AppendOnly):
    takeback = models.ForeignKey(TakeBack, on_delete=models.PROTECT, related_name="repairs")
    technician = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(_("time spent (minutes)"))
    findings = models.TextField(_("findings and work done"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("repair card line")
        verbose_name_plural = _("repair card")
        ordering = ["takeback", "id"]

    def __str__(self) -> str:
        return f"{self.takeback_id} {self.minutes} min"


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
    PART = "part", _("Part")
    SITE = "site", _("Site")


def _photo_path(instance: OrderPhoto, filename: str) -> str:
    return f"workorders/{instance.order_id}/{uuid.uuid4().hex}"


class OrderPhoto(models.Model):
    """A photo of the job. `upload_id` is chosen by the phone: the unique (order, upload_id) makes a
    repeated upload of the same photo (a retry after a dropped connection) a no-op."""

    order = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="photos")
    upload_id = models.CharField(_("upload id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=_photo_path)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "upload_id"], name="wo_photo_upload_once")]

    def __str__(self) -> str:
        return self.name


class Contractor(TimeStampedModel):
    """An outside contractor (外包/协作单位) a unit may send work to, with approval."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    areas = models.JSONField(_("districts served"), default=list, blank=True)
    skills = models.JSONField(_("kinds of work"), default=list, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("outside contractor")
        verbose_name_plural = _("outside contractors")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="wo_contractor_name")]

    def __str__(self) -> str:
        return self.name


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ContractorRequest(models.Model):
    """A request to send an order to a contractor; the order goes only after approval."""

    order = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="contractor_requests")
    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="requests")
    reason = models.CharField(_("why"), max_length=300)
    approver_role = models.CharField(_("approved by role"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contractor request")
        verbose_name_plural = _("contractor requests")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(status="pending"), name="wo_contractor_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.contractor_id} ({self.status})"
