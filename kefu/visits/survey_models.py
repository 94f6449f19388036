"""Satisfaction surveys (满意度调查; seed-002 Doc 8): survey forms with typed questions, rounds sent
to a sample of customers, one invitation per customer with an unguessable token, one response per
token (the database's unique constraint), and one answer row per question so the per-item rate
(satisfied answers ÷ answers for that item) is a database aggregate by round, unit and period.
Imported by models.py (Django finds the models there)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.models import TimeStampedModel
from kefu.visits.choices import RoundStatus

__all__ = ("Survey", "SurveyAnswer", "SurveyInvitation", "SurveyResponse", "SurveyRound")

USER = settings.AUTH_USER_MODEL


class Survey(TimeStampedModel):
    """A survey form: a title and typed questions (the shape of a rulebook questionnaire)."""

    title = models.CharField(_("title"), max_length=100)
    intro = models.CharField(_("introduction"), max_length=1000, blank=True)
    questions = models.JSONField(_("questions"), default=list)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class SurveyRound(TimeStampedModel):
    """One sending of a survey to a sample of customers for a period (e.g. the first half of 2026),
    valid only when the share of answers reaches `threshold_percent` (Doc 8: 85%)."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit measured"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    sample_size = models.PositiveIntegerField(_("sample size"))
    threshold_percent = models.DecimalField(_("valid from (% answered)"), max_digits=5, decimal_places=2)
    expires_at = models.DateTimeField(_("answers accepted until"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="visits_round_period"
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_percent__gte=0, threshold_percent__lte=100), name="visits_round_threshold"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SurveyInvitation(models.Model):
    """A customer asked to answer a round: the link /s/<token>/ (secrets.token_urlsafe, 32 bytes)."""

    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [models.UniqueConstraint(fields=["round", "customer"], name="visits_invitation_once")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.customer_id}"


class SurveyResponse(models.Model):
    """The answer to one invitation; the one-to-one key is the "one answer per token" rule."""

    invitation = models.OneToOneField(SurveyInvitation, on_delete=models.PROTECT, related_name="response")
    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="responses")
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(auto_now_add=True)
    # A paper form (the printed 《顾客满意度征询表》) typed in by staff: who entered it (null: the customer
    # answered through their link). The record of who entered what is this row and its time.
    entered_by = models.ForeignKey(
        USER, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.round_id} {self.submitted_at:%Y-%m-%d}"


class SurveyAnswer(models.Model):
    """One answered question of a response. `satisfied` is None for text answers (not rated)."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.PROTECT, related_name="items")
    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    item = models.CharField(max_length=40)
    value = models.CharField(max_length=2000)
    satisfied = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["round", "item"], name="visits_answer_round_item")]
        constraints = [models.UniqueConstraint(fields=["response", "item"], name="visits_answer_once")]

    def __str__(self) -> str:
        return f"{self.item}={self.value}"
