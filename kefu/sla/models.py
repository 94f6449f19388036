from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.sla.choices import ClockStatus, NoticeKind

__all__ = ("CaseEventEmail", "Clock", "ClockNotice", "EmailState", "Notification")


class Clock(models.Model):
    """One deadline of one case (a stage limit or the whole case), computed from its rulebook.

    `deadline` is stored and indexed; so is `next_check_at`, the next moment the sweep has
    something to do for this clock (the warning, the deadline, the next escalation step). The
    sweep reads only clocks whose `next_check_at` has come, so its cost follows the clocks that
    are due, not the number of open cases.

    `allowed_minutes` and `used_minutes` are counted in the clock's measure: working minutes for
    working units, elapsed minutes for wall-clock units. Pausing stores what was used; resuming
    puts the remainder back on the calendar.
    """

    # db_index=False here and on the three keys below: a composite index that starts with the column
    # already serves the lookups, and each extra index is one more write per swept clock (issue 12).
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="clocks", db_index=False)
    key = models.CharField(_("clock"), max_length=40)
    label = models.CharField(_("deadline"), max_length=100)
    calendar = models.ForeignKey("calendars.WorkCalendar", on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField(_("limit"))
    unit = models.CharField(_("unit"), max_length=20)
    rule = models.CharField(_("rule"), max_length=200, blank=True, help_text=_("Which rulebook rule set the limit."))
    working_measure = models.BooleanField(default=True)
    allowed_minutes = models.PositiveIntegerField(default=0)
    used_minutes = models.PositiveIntegerField(default=0)
    # Wall-clock clocks keep seconds: the time used is used_minutes * 60 + used_extra_seconds.
    used_extra_seconds = models.PositiveSmallIntegerField(default=0, db_default=0)
    extended_minutes = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=ClockStatus.choices, default=ClockStatus.RUNNING)
    started_at = models.DateTimeField(_("started"))
    resumed_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    ladder = models.CharField(max_length=40, blank=True)
    warned = models.BooleanField(default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    resolution = models.BooleanField(default=False)
    # The ladder counts from the clock's start instead of its deadline (rulebook `escalate_from: start`).
    escalate_from_start = models.BooleanField(default=False)
    # A promised deadline (rulebook `promise:`): waiting for someone to set it, and when it was set.
    awaiting_promise = models.BooleanField(_("awaiting a promised time"), default=False)
    promised_at = models.DateTimeField(_("promised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline clock")
        verbose_name_plural = _("deadline clocks")
        ordering = ["deadline"]
        constraints = [
            # One live clock per key per case; stopped clocks stay as history.
            models.UniqueConstraint(
                fields=["case", "key"],
                condition=Q(status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED]),
                name="clock_one_live_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["next_check_at"], condition=Q(status=ClockStatus.RUNNING), name="clock_due"),
            models.Index(fields=["status", "deadline"], name="clock_status_deadline"),
            models.Index(fields=["case", "status"], name="clock_case_status"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key}"


class ClockNotice(models.Model):
    """A warning, overdue notice (催办单) or escalation step that fired. The unique constraint is
    what makes each step fire once, whatever the number of sweeps running."""

    clock = models.ForeignKey(Clock, on_delete=models.PROTECT, related_name="notices", db_index=False)  # notice_once
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    fired_at = models.DateTimeField(_("fired at"))
    recipients = models.JSONField(default=list)
    # What the step named (roles, owner/assignee/receiver): kept so a notice that went to the
    # fallback still says whom it was meant for.
    targets = models.JSONField(_("meant for"), default=list, db_default=[], blank=True)
    fallback = models.BooleanField(
        _("went to the fallback"),
        default=False,
        db_default=False,
        help_text=_("Nobody the step names could be told for this case; the fallback people were told instead."),
    )
    # The step also changes the case (reassign, add a supervisor): set when it fires, cleared in the
    # transaction that makes the change, so the change happens exactly once even if a worker dies. A
    # database default too: the sweep inserts notices with raw SQL (sweep._FIRE_SQL) naming only its columns.
    actions_pending = models.BooleanField(default=False, db_default=False)

    class Meta:
        verbose_name = _("deadline notice")
        verbose_name_plural = _("deadline notices")
        ordering = ["clock", "fired_at"]
        constraints = [models.UniqueConstraint(fields=["clock", "kind", "level"], name="notice_once")]
        indexes = [
            models.Index(fields=["id"], condition=Q(actions_pending=True), name="notice_actions_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.kind} {self.level}"


class EmailState(models.Model):
    """Where a row's e-mail stands (kefu/sla/mail.py). `email_due_at` is when a sender should
    (re)try it: set when the row is made, moved forward while a sender holds it (`email_claim`) or
    after a failure, and cleared once the mail went out (`emailed_at`) or cannot go (no address)."""

    email_due_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # Database defaults too, so rows written by plain SQL (the sweep, scripts) need not name them.
    email_claim = models.CharField(max_length=32, blank=True, default="", db_default="")
    email_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False),
                name="%(app_label)s_%(class)s_email_due",
            )
        ]


class Notification(EmailState):
    """An entry in a person's in-app inbox; e-mailed after commit, and by the periodic pick-up if
    that was lost (kefu/sla/mail.py)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications", db_index=False
    )  # inbox
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(
        ClockNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # notification_once_per_notice
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Work-inbox entries (kefu.sla.inbox.inbox_notify) carry a registered message code and its
    # parameters, rendered in the reader's language when read; `title`/`body` keep the text in the
    # site's language for e-mail and for a code whose app was removed. Deadline notices store text only.
    # Database defaults too: the sweep inserts notices with plain SQL and does not name these columns.
    message_code = models.CharField(max_length=80, blank=True, default="", db_default="")
    params = models.JSONField(default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField()))
    url = models.CharField(_("link"), max_length=500, blank=True, default="", db_default="")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="inbox"),
            *EmailState.Meta.indexes,
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "recipient"], condition=Q(notice__isnull=False), name="notification_once_per_notice"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        from kefu.sla.inbox import render_notification

        return render_notification(self)[0]

    @property
    def display_body(self) -> str:
        from kefu.sla.inbox import render_notification

        return render_notification(self)[1]


class CaseEventEmail(EmailState):
    """The e-mail about one case change (a transition, transfer, hand-over…) to the case's owner and
    handler, made by the `case_notify` task or, if that was lost, by the periodic pick-up. One per
    event: whoever makes it first wins, and nobody sends it twice. `recipients` are user ids; an
    event nobody needs to hear about gets a row with no recipients and nothing due."""

    event = models.OneToOneField("cases.CaseEvent", on_delete=models.PROTECT, related_name="+")
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case change e-mail")
        verbose_name_plural = _("case change e-mails")
        indexes = [*EmailState.Meta.indexes]

    def __str__(self) -> str:
        return f"event {self.event_id}"
