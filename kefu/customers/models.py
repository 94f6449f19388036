from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.core.models import TimeStampedModel
from kefu.customers.choices import (
    DIRECTORY_ROLES,
    AddressKind,
    CareChannel,
    CareOccasion,
    CareStatus,
    ContactRole,
    CustomerEventKind,
    CustomerGrade,
    CustomerType,
    PersonalDataKind,
    Region,
)

__all__ = (
    "Customer",
    "CustomerQuerySet",
    "Address",
    "Contact",
    "PersonalDataAccess",
    "Tag",
    "ResidentUnit",
    "CustomerEvent",
    "CareTask",
    "may_search_directory",
    "register_case_scope",
)

# The customers a person reaches through their cases. The case engine sits above this app, so it
# registers the rule (kefu.cases.apps): customers of the cases the user may see, leaving out the
# anonymous cases whose complainant they may not see.
_case_scope: Callable[[Any], models.QuerySet] | None = None


def register_case_scope(scope: Callable[[Any], models.QuerySet]) -> None:
    """`scope(user)` returns the customer ids of the cases `user` may see with the complainant's identity."""
    global _case_scope
    _case_scope = scope


def may_search_directory(user: Any) -> bool:
    """Whether `user` may look through every customer (to find a caller at intake)."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in DIRECTORY_ROLES))


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CustomerQuerySet:
        """The customers `user` may read: the whole directory for the intake roles (DIRECTORY_ROLES),
        else the customers they opened and those of cases they may see — never through an anonymous
        case whose complainant is hidden from them (001 篇10 第十九条)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if may_search_directory(user):
            return self
        mine = models.Q(created_by=user)  # the files they opened themselves (a new caller at intake)
        if _case_scope is None:
            return self.filter(mine)
        return self.filter(mine | models.Q(pk__in=_case_scope(user)))


class Customer(TimeStampedModel):
    """A customer file (客户档案): a person, household or organisation that Kefu serves."""

    code = models.CharField(_("customer number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    customer_type = models.CharField(
        _("customer type"), max_length=20, choices=CustomerType.choices, default=CustomerType.INDIVIDUAL
    )
    grade = models.CharField(_("grade"), max_length=5, choices=CustomerGrade.choices, default=CustomerGrade.C)
    region = models.CharField(_("region"), max_length=10, choices=Region.choices, default=Region.URBAN)
    is_overseas = models.BooleanField(_("overseas"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # An ID card or other certificate number (证件号码), when the organisation needs one. Masked for all
    # but a logged "show".
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # The person who keeps the file (客户经理 / 客服专员, 004 D18 第八条 "一对一服务"): their 今日关怀 list
    # holds the file's greetings unless the rulebook's `care.assignee_role` names a role instead.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("file kept by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customer_files",
    )
    # The amount the tier rules read (004 D18: 累计认购 ≥ 500 万 → VIP), in yuan.
    annual_revenue = models.DecimalField(
        _("annual business (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    # Set only by customer_tier_recompute from the rulebook's `customer_tiers` section, with the
    # rule that decided it in words, so the page can say why.
    tier = models.CharField(_("tier"), max_length=30, blank=True, editable=False)
    tier_label = models.CharField(_("tier name"), max_length=60, blank=True, editable=False)
    tier_reason = models.CharField(_("why this tier"), max_length=300, blank=True, editable=False)
    tags = models.ManyToManyField("customers.Tag", verbose_name=_("tags"), blank=True, related_name="customers")

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Address(TimeStampedModel):
    """A place belonging to a customer: where service happens, where bills or letters go."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=AddressKind.choices, default=AddressKind.SITE)
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    line = models.CharField(_("address"), max_length=300)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.line}"


class Contact(TimeStampedModel):
    """A person to talk to at a customer, with a role and a phone number."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("name"), max_length=80)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.PRIMARY)
    # Stored normalised (digits, '+', '#') so a search for any part of the number finds it.
    phone = models.CharField(_("phone"), max_length=30, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"


class PersonalDataAccess(models.Model):
    """One "show" of personal data: who saw whose identity or full contact details, when and where.

    Written for every unmasking (an anonymous complainant's identity, a full phone or ID number),
    never edited or deleted. `case_id`/`case_number` name the case it was shown for; they are plain
    values because the case engine sits above this app.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seen by"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="data_accesses"
    )
    kind = models.CharField(_("what was shown"), max_length=20, choices=PersonalDataKind.choices)
    case_id = models.PositiveBigIntegerField(_("case id"), null=True, blank=True, db_index=True)
    case_number = models.CharField(_("case number"), max_length=40, blank=True)
    surface = models.CharField(_("where"), max_length=20)
    path = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.viewer_id} {self.kind} {self.customer_id}"


class Tag(models.Model):
    """A label staff put on customer files (many per customer; the lists filter by it)."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResidentUnit(TimeStampedModel):
    """A resident's unit file (住户档案): one per flat, by building, unit and room, with the list of the
    documents the file holds (002 Doc 14 一: "住户档案应按栋按单元号，每一套房建立一个档案")."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="units")
    estate = models.CharField(_("estate"), max_length=100, blank=True)
    building = models.CharField(_("building"), max_length=20)
    unit = models.CharField(pgettext_lazy("flat", "unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20)
    # Names of the documents in the file (《入伙会签单》, 业主身份证复印件 …), in the order filed.
    documents = models.JSONField(_("documents held"), default=list, blank=True)

    class Meta:
        verbose_name = _("unit file")
        verbose_name_plural = _("unit files")
        constraints = [
            models.UniqueConstraint(fields=["estate", "building", "unit", "room"], name="customers_unit_once")
        ]

    def __str__(self) -> str:
        return f"{self.estate}{self.building}栋{self.unit}{'单元' if self.unit else ''}{self.room}室"


class CustomerEvent(models.Model):
    """One change to a customer file, written in the same transaction as the change; never edited."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.CharField(_("what changed"), max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer file history")
        verbose_name_plural = _("customer file history")
        indexes = [models.Index(fields=["customer", "-created_at", "-id"], name="customers_event_timeline")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.summary}"


class CareTask(TimeStampedModel):
    """A greeting to make (关怀): a contact's birthday or a holiday, with the text to say.

    One per contact, occasion and year (the database constraint makes the daily run idempotent).
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="care_tasks")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="care_tasks")
    occasion = models.CharField(_("occasion"), max_length=20, choices=CareOccasion.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    occasion_date = models.DateField(_("date of the occasion"))
    due_date = models.DateField(_("greet on or before"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("greeted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_tasks",
    )
    message = models.CharField(_("message"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=CareStatus.choices, default=CareStatus.DUE)
    channel = models.CharField(_("channel"), max_length=10, choices=CareChannel.choices, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notified_at = models.DateTimeField(_("notice sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "occasion", "year"], name="customers_care_once"),
            models.CheckConstraint(
                condition=models.Q(status=CareStatus.DUE) | ~models.Q(channel=""), name="customers_care_done_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occasion_date} {self.get_occasion_display()} {self.contact_id}"
