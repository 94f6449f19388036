"""Duty shifts: patterns (24-hour rotation, office hours, night shift), a roster per unit and month,
the shifts on it, check-ins, the handover log and swap requests (seed-004 D6 三).

A shift is stored as the moments it starts and ends (`starts_at`, `ends_at`), so "who is on duty at
02:00" is one indexed range query, whether the shift crosses midnight or lasts 24 hours.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.duty.choices import RosterStatus, ShiftEventKind, ShiftStatus, SwapStatus

__all__ = ("CheckIn", "HandoverEntry", "Roster", "Shift", "ShiftEvent", "ShiftPattern", "SwapRequest")

USER = settings.AUTH_USER_MODEL


class ShiftPattern(TimeStampedModel):
    """A kind of shift: when it starts and how long it lasts (24 h, 08:30–17:30, 20:00–08:00 …)."""

    name = models.CharField(_("name"), max_length=60)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    start = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("length in minutes"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift pattern")
        verbose_name_plural = _("shift patterns")
        ordering = ["start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=30, duration_minutes__lte=2880), name="duty_pattern_length"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Roster(TimeStampedModel):
    """The duty roster (排班表) of one unit for one month. Shifts count once it is published."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(_("status"), max_length=10, choices=RosterStatus.choices, default=RosterStatus.DRAFT)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering = ["-month", "unit"]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="duty_roster_unit_month")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"


class Shift(TimeStampedModel):
    """One person on duty from `starts_at` to `ends_at`. Never deleted: cancelled instead."""

    roster = models.ForeignKey(Roster, on_delete=models.PROTECT, related_name="shifts")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")  # = roster.unit, for the index
    pattern = models.ForeignKey(ShiftPattern, verbose_name=_("pattern"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(USER, verbose_name=_("on duty"), on_delete=models.PROTECT, related_name="duty_shifts")
    day = models.DateField(_("day"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.SCHEDULED)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        indexes = [
            # staff_on_duty: the unit's shifts that started before `at`, newest first, then ends_at > at.
            models.Index(fields=["unit", "starts_at"], name="duty_shift_unit_start"),
            models.Index(fields=["person", "starts_at"], name="duty_shift_person_start"),
        ]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="duty_shift_ends_after")]

    def __str__(self) -> str:
        return f"{self.day} {self.pattern} {self.person}"


class ShiftEvent(models.Model):
    """The history of a shift: scheduled, reassigned, swapped, cancelled, checked in."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("what"), max_length=12, choices=ShiftEventKind.choices)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    from_person = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shift history")
        verbose_name_plural = _("shift history")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.shift_id} {self.kind}"


class CheckIn(models.Model):
    """Arrival for a shift. Late when after the shift's start minus the rulebook's arrival margin."""

    shift = models.OneToOneField(Shift, on_delete=models.PROTECT, related_name="check_in")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(_("checked in at"))
    due_by = models.DateTimeField(_("due by"))
    minutes_late = models.PositiveIntegerField(_("minutes late"), default=0)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-checked_in_at"]

    def __str__(self) -> str:
        return f"{self.person} {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_late(self) -> bool:
        return self.minutes_late > 0


class HandoverEntry(TimeStampedModel):
    """An entry of the handover log (交接班记录): what the outgoing shift hands to the next one."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey(Shift, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers")
    author = models.ForeignKey(USER, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("handover"), max_length=4000)
    open_items = models.TextField(_("open items"), max_length=2000, blank=True)
    received_by = models.ForeignKey(
        USER, verbose_name=_("taken over by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("taken over at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover entry")
        verbose_name_plural = _("handover log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"], name="duty_handover_unit")]

    def __str__(self) -> str:
        return f"{self.unit} {self.created_at:%Y-%m-%d %H:%M}"


class SwapRequest(TimeStampedModel):
    """A request to swap (or hand over) a shift. Nothing changes on the roster until the supervisor
    approves: 任何员工不得自行换班 (seed-004 D6 三.3)."""

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="swap_requests")
    requester = models.ForeignKey(USER, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    counterpart = models.ForeignKey(
        USER, verbose_name=_("colleague taking the shift"), on_delete=models.PROTECT, related_name="+"
    )
    counterpart_shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift given in return"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.REQUESTED)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("supervisor's note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.shift} → {self.counterpart}"
