"""Field-service work orders (seed-004 D10/D11, seeds-000-003 篇5/篇8): a record of their own,
linked to the customer, the equipment and — when it came from one — the originating case.

A work order is not a case type: it has its own number, status lifecycle and history, and reacts to
cases only through `kefu.cases.events`. Every change writes a `WorkOrderEvent` with the order's new
`version` in the same transaction; the unique `(order, version)` constraint makes a lost update
impossible even if a code path forgot the row lock.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES, Role
from kefu.workorders.choices import EventKind, OrderKind, OrderStatus, ServiceType

__all__ = (
    "DailyReport",
    "DailyReportEvent",
    "Equipment",
    "RegisterDay",
    "RepairExtension",
    "MaintenanceContract",
    "OrderCounter",
    "OrderIdempotency",
    "PartLine",
    "ServiceArea",
    "TechnicianSkill",
    "UsedFormToken",
    "WorkOrder",
    "WorkOrderEvent",
)

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class OrderCounter(models.Model):
    """The counter behind one number prefix ('WO2612'): one locked row per prefix, gap-free."""

    prefix = models.CharField(max_length=20, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class Equipment(TimeStampedModel):
    """A product at a customer's (产品保修卡): model, serial, GPS terminal and SIM numbers, warranty."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="equipment"
    )
    model_name = models.CharField(_("model"), max_length=100)
    serial_no = models.CharField(_("serial number"), max_length=60, blank=True)
    terminal_no = models.CharField(_("terminal number"), max_length=40, blank=True)
    sim_no = models.CharField(_("SIM number"), max_length=40, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["customer", "model_name", "id"]
        indexes = [models.Index(fields=["serial_no"], name="wo_equipment_serial")]

    def __str__(self) -> str:
        return f"{self.model_name} {self.serial_no}".strip()


class WorkOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "WorkOrderQuerySet":
        """General manager, deputy GM, quality and administrators: every order; supervisors and
        managers: orders of their unit and the units below it; a technician: their own orders and
        their team's queue (orders of their unit nobody has accepted yet); anyone: orders they
        created. Everything else is invisible (a 404)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in ALL_SEEING_ROLES:
            return self
        rule = Q(created_by=user) | Q(technician=user)
        if user.role in UNIT_SEEING_ROLES and user.unit_id:
            rule |= Q(unit__path__startswith=user.unit.path)
        if user.role == Role.TECHNICIAN and user.unit_id:
            rule |= Q(unit_id=user.unit_id, technician__isnull=True)
        return self.filter(rule)


class WorkOrder(TimeStampedModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=OrderKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.NEW)
    service_type = models.CharField(_("service type"), max_length=1, choices=ServiceType.choices)
    urgent = models.BooleanField(_("urgent"), default=False)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="work_orders"
    )
    address = models.CharField(_("address"), max_length=300)
    district = models.CharField(_("district"), max_length=40, blank=True)  # matched against ServiceArea
    region = models.CharField(_("area"), max_length=10)  # kefu.customers.choices.Region at creation
    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_key = models.CharField(max_length=60, blank=True)  # which rule of the subscriber made it
    # Repeat fault: the same customer's same equipment was completed within `repeat_fault_days`.
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("repeat of"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rulebook_version = models.ForeignKey("rulebooks.RulebookVersion", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("fault or request"), max_length=2000)
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    technician = models.ForeignKey(
        USER, verbose_name=_("technician"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set only when an approved ContractorRequest sent the order to an outside contractor (外包).
    contractor = models.ForeignKey(
        "workorders.Contractor",
        verbose_name=_("outside contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # The clock: reported → arrival within N working hours (D11 step 14), paused while the customer
    # makes the technician wait.
    reported_at = models.DateTimeField(_("reported at"))
    arrival_due_at = models.DateTimeField(_("arrive by"))
    paused_at = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    pause_reason = models.CharField(_("why waiting"), max_length=300, blank=True)
    late_at = models.DateTimeField(_("flagged late at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    booked_for = models.DateTimeField(_("visit booked for"), null=True, blank=True)
    departed_at = models.DateTimeField(_("set off at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    # What was done (服务凭证 / 修护卡).
    findings = models.TextField(_("findings"), max_length=2000, blank=True)
    actions = models.TextField(_("work done"), max_length=2000, blank=True)
    old_terminal_no = models.CharField(_("old terminal number"), max_length=40, blank=True)
    new_terminal_no = models.CharField(_("new terminal number"), max_length=40, blank=True)
    old_sim_no = models.CharField(_("old SIM number"), max_length=40, blank=True)
    new_sim_no = models.CharField(_("new SIM number"), max_length=40, blank=True)
    # Completion: the customer's signature, or a waiver a supervisor approved.
    signature = models.TextField(_("customer's signature"), blank=True)  # data:image/png;base64,…
    waiver_reason = models.CharField(_("why not signed"), max_length=300, blank=True)
    waiver_approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    labour_fee = models.DecimalField(_("labour"), **MONEY)
    parts_fee = models.DecimalField(_("parts"), **MONEY)
    fee_total = models.DecimalField(_("fee"), **MONEY)
    fee_collected = models.DecimalField(_("collected on site"), **MONEY)
    invoice_no = models.CharField(_("invoice number"), max_length=40, blank=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    # The repair clock (seed-002 Doc 4 5.2.4/5.2.5, seed-004 D16): started at dispatch or at the
    # report, stopped by completion; `repair_limit` names the rulebook limit that set it.
    repair_started_at = models.DateTimeField(_("repair clock started at"), null=True, blank=True)
    repair_due_at = models.DateTimeField(_("repair by"), null=True, blank=True)
    repair_original_due_at = models.DateTimeField(_("repair by (before extensions)"), null=True, blank=True)
    repair_limit = models.CharField(_("repair limit"), max_length=100, blank=True)
    repair_unit = models.CharField(max_length=16, blank=True)  # hours | working_hours | working_days
    repair_late_at = models.DateTimeField(_("repair flagged late at"), null=True, blank=True)
    # The register reconciliation (D11 13): registered and not dispatched on its day → dispatched
    # first the next day.
    carried_over_on = models.DateField(_("not dispatched on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["technician", "status"], name="wo_technician_status"),
            models.Index(fields=["unit", "status"], name="wo_unit_status"),
            models.Index(fields=["status", "arrival_due_at"], name="wo_status_due"),
            models.Index(fields=["customer", "equipment"], name="wo_customer_equipment"),
            models.Index(fields=["status", "repair_due_at"], name="wo_status_repair_due"),
        ]
        constraints = [
            # Exactly one order per case and subscriber rule (the subscriber may run twice).
            models.UniqueConstraint(
                fields=["case", "rule_key"], condition=~Q(rule_key=""), name="wo_once_per_case_rule"
            ),
            models.CheckConstraint(condition=Q(fee_collected__gte=0), name="wo_fee_collected_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        from kefu.workorders.choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class WorkOrderEvent(models.Model):
    """History: one row per change, numbered by the order's version after the change."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    version = models.PositiveIntegerField()
    kind = models.CharField(_("what"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("work order history")
        verbose_name_plural = _("work order history")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "version", "kind"], name="wo_event_version")]

    def __str__(self) -> str:
        return f"{self.order_id} v{self.version} {self.kind}"


class PartLine(models.Model):
    """A part used on the job (更换配件). Never edited: a correction is a new line with a negative quantity."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="parts")
    code = models.CharField(_("part code"), max_length=40, blank=True)
    name = models.CharField(_("part"), max_length=100)
    quantity = models.IntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["order", "id"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="wo_part_quantity_nonzero")]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderIdempotency(models.Model):
    """The order a (user, Idempotency-Key) created: a retried creation creates nothing."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(WorkOrder, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="wo_idempotency_user_key")]

    def __str__(self) -> str:
        return self.key


class TechnicianSkill(models.Model):
    """A kind of work a technician is qualified for (dispatch suggestions rank them first)."""

    technician = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="work_skills")
    kind = models.CharField(_("kind of work"), max_length=12, choices=OrderKind.choices)

    class Meta:
        verbose_name = _("technician skill")
        verbose_name_plural = _("technician skills")
        constraints = [models.UniqueConstraint(fields=["technician", "kind"], name="wo_skill_once")]

    def __str__(self) -> str:
        return f"{self.technician_id} {self.kind}"


class ServiceArea(models.Model):
    """A district a technician serves (区域服务责任人员, D10 2.2(1))."""

    technician = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="service_areas")
    district = models.CharField(_("district"), max_length=40)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        constraints = [models.UniqueConstraint(fields=["technician", "district"], name="wo_area_once")]

    def __str__(self) -> str:
        return self.district


class UsedFormToken(models.Model):
    """A one-time form token spent by a POST of the technician's page. Inserted in the transaction
    of the step it carried, so a repeated submit (weak mobile connection) does nothing twice, and a
    step that failed leaves the token unspent for a retry."""

    nonce = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.nonce


class MaintenanceContract(TimeStampedModel):
    """A maintenance contract (商品保养合同书, D11 B): term, covered equipment, what it charges.

    D10 2.1(2): "一般收取零配件成本费用，免收维修工时费用" — by default labour is free and parts are
    charged; `parts_free` makes the contract cover parts too."""

    number = models.CharField(_("contract number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="maintenance_contracts"
    )
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    equipment = models.ManyToManyField(Equipment, verbose_name=_("covered equipment"), related_name="contracts")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    service_level = models.CharField(_("service level"), max_length=200, blank=True)
    parts_free = models.BooleanField(_("parts included"), default=False)
    notice_sent_at = models.DateTimeField(_("expiry notice sent at"), null=True, blank=True)
    renewal_order = models.ForeignKey(
        "WorkOrder", verbose_name=_("renewal visit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    renewed_from = models.OneToOneField(
        "self", verbose_name=_("renews"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )

    class Meta:
        verbose_name = _("maintenance contract")
        verbose_name_plural = _("maintenance contracts")
        ordering = ["ends_on", "id"]
        indexes = [models.Index(fields=["ends_on"], name="wo_contract_ends", condition=Q(notice_sent_at__isnull=True))]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="wo_contract_term")]

    def __str__(self) -> str:
        return self.number


class RepairExtension(models.Model):
    """A request to extend an order's repair deadline (延期) and its decision (seed-002 Doc 4 5.2.4:
    "报物业服务中心负责人批准签字延期,二周内不能修复的,报主任批准延期"). At most one is pending per order."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="repair_extensions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    until = models.DateTimeField(_("new repair deadline"))
    was = models.DateTimeField(_("deadline when asked"))
    reason = models.CharField(_("why"), max_length=300)
    customer_consent = models.BooleanField(_("the customer agreed"), default=False)
    approver_roles = models.JSONField(default=list)  # the rulebook tier's roles when it was asked
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("repair extension")
        verbose_name_plural = _("repair extensions")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(status="pending"), name="wo_one_pending_extension")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.until:%Y-%m-%d %H:%M}"


class RegisterDay(models.Model):
    """One reconciliation of the repair register (D11 13) for one day: made once (unique day)."""

    day = models.DateField(_("day"), unique=True)
    registered = models.PositiveIntegerField(_("registered"), default=0)
    dispatched = models.PositiveIntegerField(_("dispatched"), default=0)
    carried_over = models.PositiveIntegerField(_("not dispatched"), default=0)
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("register reconciliation")
        verbose_name_plural = _("register reconciliations")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class DailyReport(models.Model):
    """A submitted daily report (D11 10–12): the technician's (技术员工作日报表) or the supervisor's for
    the unit (服务主任日报表). `figures` is the compilation at submission, kept as it was reviewed."""

    class Kind(models.TextChoices):
        TECHNICIAN = "technician", _("Technician's daily report")
        UNIT = "unit", _("Supervisor's daily report")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Sent back")

    kind = models.CharField(_("report"), max_length=10, choices=Kind.choices)
    day = models.DateField(_("day"))
    person = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(_("review comment"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "person"], condition=Q(kind="technician"), name="wo_daily_once_per_technician"
            ),
            models.UniqueConstraint(fields=["day", "unit"], condition=Q(kind="unit"), name="wo_daily_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"


class DailyReportEvent(models.Model):
    """History of a daily report: submitted, re-submitted, approved, sent back."""

    report = models.ForeignKey(DailyReport, on_delete=models.PROTECT, related_name="events")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=12)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "version"], name="wo_daily_event_version")]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version} {self.action}"


# Take-back repairs, photos and outside contractors live in their own module (see its docstring).
from kefu.workorders.offsite_models import *  # noqa: E402, F403
