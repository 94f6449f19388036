"""Appraisal: scorecards computed from the service records, the reward/penalty ledger, and the
monthly rollup the dashboards read (docs/appraisal.md).

* A `ScoreRun` is one computation of one period (month, quarter, year) for one unit and everything
  below it. It holds a `Scorecard` per person (ranked) and one per unit (the rollup), each with a
  `ScoreItem` per KPI. Once the manager approves the run it can no longer be recomputed.
* A `LedgerEntry` is one reward or penalty: drafted by a case finding, a scorecard consequence or by
  hand, approved or rejected once, never edited afterwards — a correction is a new reversing entry.
* `MonthlyRollup` holds per unit and month the counts the dashboards chart, refreshed by the worker
  for the months whose cases changed, so no dashboard scans the cases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.appraisal.choices import EntryKind, EntrySource, EntryStatus, PeriodKind, ReportPeriod, RunStatus
from kefu.core.models import TimeStampedModel

__all__ = (
    "DailyReport",
    "LedgerEntry",
    "MonthlyRollup",
    "RollupState",
    "ScoreItem",
    "ScoreRun",
    "Scorecard",
    "StoredReport",
)

USER = settings.AUTH_USER_MODEL


class ScoreRun(TimeStampedModel):
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period starts"))
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    rulebook_version = models.ForeignKey(
        "rulebooks.RulebookVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("rulebook version")
    )
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.COMPUTED)
    version = models.PositiveIntegerField(default=1)
    computed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appraisal run")
        verbose_name_plural = _("appraisal runs")
        ordering = ["-period_start", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["period_kind", "period_start", "unit"], name="appraisal_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.period_start:%Y-%m} {self.unit_id}"


class Scorecard(models.Model):
    run = models.ForeignKey(ScoreRun, on_delete=models.PROTECT, related_name="scorecards")
    person = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total = models.DecimalField(_("score"), max_digits=7, decimal_places=2, default=0)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    rectification_due = models.DateField(_("rectification plan due"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "person"], condition=Q(person__isnull=False), name="scorecard_person_once"
            ),
            models.UniqueConstraint(
                fields=["run", "unit"], condition=Q(unit__isnull=False), name="scorecard_unit_once"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True, unit__isnull=False) | Q(person__isnull=False, unit__isnull=True),
                name="scorecard_person_or_unit",
            ),
        ]


class ScoreItem(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="items")
    kpi = models.CharField(_("KPI"), max_length=40)
    label = models.CharField(_("KPI"), max_length=100)
    group = models.CharField(_("group"), max_length=40)
    measure = models.CharField(_("measure"), max_length=60, blank=True)
    numerator = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    denominator = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=0)
    max_points = models.DecimalField(_("of"), max_digits=7, decimal_places=2, default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "kpi"], name="score_item_once")]


class LedgerEntry(TimeStampedModel):
    person = models.ForeignKey(USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    reason = models.CharField(_("reason"), max_length=40)
    reason_label = models.CharField(_("reason"), max_length=100)
    tier = models.CharField(_("tier"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, default=0)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=0)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=EntrySource.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    proposed_by = models.ForeignKey(USER, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        USER, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    # What another app's record drafted it (source `records`): "workorders:WO2612-0001" — a reference, not
    # a foreign key, so the ledger does not depend on the apps that feed it.
    source_ref = models.CharField(_("from record"), max_length=80, blank=True, default="")
    # The Idempotency-Key of the API request or the one-time token of the web form that proposed it.
    request_key = models.CharField(max_length=100, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A finding that stands against a person proposes one penalty, however often it is delivered.
            models.UniqueConstraint(
                fields=["case", "person", "reason"], condition=Q(source="case"), name="ledger_case_once"
            ),
            models.UniqueConstraint(
                fields=["scorecard", "reason"], condition=Q(source="scorecard"), name="ledger_scorecard_once"
            ),
            # A work order without the customer's signature (篇8 9.5), a rework (篇8 9.4): one draft each.
            models.UniqueConstraint(
                fields=["source_ref", "person", "reason"], condition=Q(source="records"), name="ledger_record_once"
            ),
            models.UniqueConstraint(
                fields=["proposed_by", "request_key"], condition=~Q(request_key=""), name="ledger_request_once"
            ),
            # An approved entry is corrected once, by one reversing entry.
            models.UniqueConstraint(
                fields=["corrects"], condition=Q(corrects__isnull=False), name="ledger_correct_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reason_label} ¥{self.amount}"


class MonthlyRollup(models.Model):
    """Per unit (the case's responsible unit, else its receiving unit) and month of receipt."""

    month = models.DateField()
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    received = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    clocks = models.PositiveIntegerField(default=0)  # clocks stopped or past their deadline
    clocks_met = models.PositiveIntegerField(default=0)
    breaches = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "unit"], name="rollup_month_unit_once")]
        ordering = ["month"]


class RollupState(models.Model):
    key = models.CharField(max_length=20, unique=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)


class DailyReport(TimeStampedModel):
    """篇3 / D11: each person's report of their day, with the day's figures from the records, reviewed
    by their supervisor. One per person and day; the person may rewrite it until it is reviewed."""

    person = models.ForeignKey(USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    text = models.TextField(_("what I did"))
    figures = models.JSONField(_("figures from the records"), default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name=_("reviewed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review = models.TextField(_("supervisor's review"), blank=True)

    class Meta:
        verbose_name = _("daily work report")
        verbose_name_plural = _("daily work reports")
        ordering = ["-day", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="daily_report_once")]


def _report_path(instance: "StoredReport", filename: str) -> str:
    return f"appraisal/reports/{instance.period_start:%Y}/{filename}"


class StoredReport(models.Model):
    """A scheduled report as generated (篇9, 篇11): its figures, the PDF and the Excel file with their
    SHA-256, and when it was e-mailed. One per (report, period, unit), by constraint: a worker that
    was killed and runs again finds it made."""

    code = models.CharField(_("report"), max_length=40)
    label = models.CharField(_("report"), max_length=100)
    period_kind = models.CharField(_("period"), max_length=10, choices=ReportPeriod.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))  # inclusive
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    rulebook_version = models.ForeignKey("rulebooks.RulebookVersion", on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict)
    pdf = models.FileField(upload_to=_report_path, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    xlsx = models.FileField(upload_to=_report_path, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True)  # user ids the mail went to
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_start", "code", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "period_start", "unit"], name="appraisal_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.period_start}–{self.period_end}"
