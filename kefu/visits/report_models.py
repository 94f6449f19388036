"""Visit reports (《客户回访报告》), their deadline extensions and the supervisor's flags (seed-002 Doc 1
4.4–4.5, 5.2). Imported by models.py (Django finds the models there).

Doc 1 4.4 (1) "在结束回访的第二天应根据《客户回访记录表》记录的回访过程和结果,对客户的回访过程和回访结果进行
汇总和评价形成《客户回访报告》" — one report per visit made, due the day after it; 2) "回访结束后,回访人员应在
三天内将回访的相关资料提交部门主管审核,如果由于客观原因确实无法提交的,应报部门主管同意后一周内提交" — submitted
within three days, a week with the supervisor's consent (an extension the supervisor approves); 4.5
"主管领导对下属人员提交的《客户回访记录表》、《客户回访报告》进行审查,并提出指导意见" — reviewed with a comment.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.visits.choices import ExtensionStatus, FlagKind, ReportStatus

__all__ = ("VisitFlag", "VisitReport", "VisitReportExtension", "VisitReportLate")

USER = settings.AUTH_USER_MODEL


class VisitReport(models.Model):
    """The report of one visit made: summary and evaluation, submitted to the supervisor, reviewed."""

    task = models.OneToOneField("visits.VisitTask", on_delete=models.PROTECT, related_name="report")
    visitor = models.ForeignKey(USER, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("summary of the visit"), max_length=4000)
    evaluation = models.TextField(_("evaluation"), max_length=4000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices)
    submitted_at = models.DateTimeField(_("submitted at"))
    # Submitted after the deadline in force (three days, or the week a supervisor consented to).
    late = models.BooleanField(_("submitted late"), default=False)
    reviewed_by = models.ForeignKey(
        USER, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("supervisor's comment"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="visits_report_status")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.status}"


class VisitReportExtension(models.Model):
    """The visitor asks to submit within the longer deadline (a week); the supervisor decides. One per visit."""

    task = models.OneToOneField("visits.VisitTask", on_delete=models.PROTECT, related_name="report_extension")
    reason = models.CharField(_("reason"), max_length=500)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED
    )
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report extension")
        verbose_name_plural = _("report extensions")

    def __str__(self) -> str:
        return f"{self.task_id} {self.status}"


class VisitReportLate(models.Model):
    """The late-report notice was sent for this visit: the one-to-one key makes it once."""

    task = models.OneToOneField("visits.VisitTask", on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("late report notice")
        verbose_name_plural = _("late report notices")

    def __str__(self) -> str:
        return str(self.task_id)


class VisitFlag(models.Model):
    """The supervisor finds a visit falsified or missed (Doc 1 4.5 3) "对于回访效果不好的员工…进行批评,对问题严重
    者…罚款处罚"; 5.2 "未回访一次,当事人…罚款500元"): offered to the appraisal ledger (`flags_for_ledger`)."""

    task = models.ForeignKey("visits.VisitTask", on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(_("what"), max_length=10, choices=FlagKind.choices)
    # The person the flag is about: the visitor at the time of flagging.
    person = models.ForeignKey(USER, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=1000)
    flagged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit flag")
        verbose_name_plural = _("visit flags")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["task", "kind"], name="visits_flag_once")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"
