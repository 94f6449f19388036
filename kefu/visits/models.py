"""Return visits (回访): visit tasks, their records and their history (seed-002 Doc 1, seed-004 D6 四.2).

A `VisitTask` is one visit to make: to a customer, maybe about a case (a call-back after it closed),
by a visitor, due on a date, by a method. It is never deleted: it ends done, not reachable or
cancelled with a reason. The database holds the exactly-once rules: one call-back per case, one
planned visit per (customer, plan rule, due date), one record per task, one follow-up case per record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.visits.choices import PENDING, VisitEventKind, VisitMethod, VisitPurpose, VisitStatus

__all__ = ("VisitEvent", "VisitRecord", "VisitTask", "VisitTaskQuerySet")

USER = settings.AUTH_USER_MODEL


class VisitTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Everything for the roles that see every case; a supervisor or manager the visits of their
        unit and the units below; anybody else the visits they are to make."""
        from kefu.org.choices import ALL_SEEING_ROLES, UNIT_SEEING_ROLES

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role in ALL_SEEING_ROLES:
            return self
        if user.role in UNIT_SEEING_ROLES and user.unit_id:
            return self.filter(Q(visitor=user) | Q(unit__path__startswith=user.unit.path))
        return self.filter(visitor=user)

    def pending(self):
        return self.filter(status__in=PENDING)


class VisitTask(TimeStampedModel):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visit_tasks"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=VisitPurpose.choices)
    method = models.CharField(_("method"), max_length=10, choices=VisitMethod.choices, default=VisitMethod.PHONE)
    visitor = models.ForeignKey(
        USER, verbose_name=_("visitor"), null=True, blank=True, on_delete=models.PROTECT, related_name="visit_tasks"
    )
    # The unit the visit belongs to (the visitor's when it was scheduled): its supervisors see it.
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The work order it calls back about (kefu.workorders.events): its id and number as plain values,
    # since the return-visit app does not depend on the work-order app.
    work_order_id = models.PositiveBigIntegerField(_("work order"), null=True, blank=True)
    work_order_number = models.CharField(_("work order number"), max_length=30, blank=True)
    due_date = models.DateField(_("due date"))
    # "Call me later" / "not reachable": when to try again (shown first in the day's list).
    next_attempt_at = models.DateTimeField(_("try again at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.OPEN)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The rulebook plan rule that generated it ("" for a call-back or a visit scheduled by hand).
    plan_rule = models.CharField(_("plan rule"), max_length=40, blank=True)
    # The rulebook version the task was made under (the case's for a call-back, else the default
    # rulebook's active one) and its questionnaire: versions never change, so the record is checked
    # against the questions the visitor was given.
    rulebook_version = models.ForeignKey(
        "rulebooks.RulebookVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    questionnaire_code = models.CharField(_("questionnaire"), max_length=40, blank=True)
    on_site_signature = models.BooleanField(_("customer signs on site"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = VisitTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["visitor", "status", "due_date"], name="visits_task_visitor_due"),
            models.Index(fields=["status", "due_date"], name="visits_task_status_due"),
        ]
        constraints = [
            # One call-back per case, whoever (subscriber, rerun, second close) asks for it.
            models.UniqueConstraint(
                fields=["case"], condition=Q(purpose="call_back", case__isnull=False), name="visits_one_call_back"
            ),
            # One call-back per finished work order, whoever asks.
            models.UniqueConstraint(
                fields=["work_order_id"], condition=Q(work_order_id__isnull=False), name="visits_one_order_call_back"
            ),
            # Plan generation reruns add nothing.
            models.UniqueConstraint(
                fields=["customer", "plan_rule", "due_date"], condition=~Q(plan_rule=""), name="visits_plan_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_date} {self.customer_id} {self.get_purpose_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @cached_property
    def section(self):
        """The `visits` section of the task's rulebook version (None without one)."""
        return self.rulebook_version.doc.section("visits") if self.rulebook_version_id else None

    @cached_property
    def questionnaire(self) -> dict:
        """The questionnaire as plain data ({} when the visit has none)."""
        found = (
            self.section.questionnaire(self.questionnaire_code) if self.section and self.questionnaire_code else None
        )
        return found.model_dump(mode="json") if found is not None else {}


class VisitRecord(models.Model):
    """The record form (《客户回访记录表》) of a visit: the answers, the customer's own words, a signature."""

    task = models.OneToOneField(VisitTask, on_delete=models.PROTECT, related_name="record")
    visitor = models.ForeignKey(USER, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("visited on"))
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)
    # Written on a later day than the visit (日清日结 asks for the same day): shown to the supervisor.
    written_late = models.BooleanField(_("written late"), default=False)
    answers = models.JSONField(_("answers"), default=dict)
    summary = models.TextField(_("summary"), blank=True)
    customer_signed = models.BooleanField(_("signed by the customer"), default=False)
    unsatisfied = models.BooleanField(_("unsatisfied"), default=False)
    # The questions answered unsatisfied, by code.
    unsatisfied_items = models.JSONField(_("unsatisfied items"), default=list, blank=True)
    follow_up_case = models.OneToOneField(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("follow-up case"),
    )

    class Meta:
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        ordering = ["-written_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.visited_on}"


class VisitEvent(models.Model):
    """The history of a visit task; written in the transaction of every change."""

    task = models.ForeignKey(VisitTask, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("what"), max_length=12, choices=VisitEventKind.choices)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task_version = models.PositiveIntegerField()
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit history")
        verbose_name_plural = _("visit history")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["task", "task_version"], name="visits_event_per_version")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


from kefu.visits.survey_models import (  # noqa: E402  (the survey tables live in their own module)
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)

__all__ += ("Survey", "SurveyAnswer", "SurveyInvitation", "SurveyResponse", "SurveyRound")

from kefu.visits.report_models import (  # noqa: E402  (reports, extensions and flags: their own module)
    VisitFlag,
    VisitReport,
    VisitReportExtension,
    VisitReportLate,
)

__all__ += ("VisitFlag", "VisitReport", "VisitReportExtension", "VisitReportLate")
