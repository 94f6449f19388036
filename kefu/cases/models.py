from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.cases.choices import (
    ApprovalDecision,
    CaseStatus,
    EventKind,
    NoteVisibility,
    RemedyKind,
    Responsibility,
    Validity,
)
from kefu.core.models import TimeStampedModel

if TYPE_CHECKING:
    from kefu.org.models import User
    from kefu.rulebooks.schema import CaseTypeDef, RulebookDoc

__all__ = (
    "Case",
    "CaseQuerySet",
    "identity_q",
    "reads_sealed",
    "sealed_against_q",
    "sees_all_cases",
    "CaseEvent",
    "CaseNote",
    "CaseAttachment",
    "Remedy",
    "Approval",
    "NumberSequence",
    "IdempotencyRecord",
    "CaseSupervisor",
)

USER = settings.AUTH_USER_MODEL


def _supervised_ids(user: User) -> list[int]:
    """The cases `user` was added to as a supervisor (督办, e.g. by an escalation step). Read first (a
    person supervises few cases): a literal list keeps each branch of the OR on an index."""
    return list(CaseSupervisor.objects.filter(user=user).values_list("case_id", flat=True))


def _scope(user: User, *, write: bool, supervised: list[int]) -> Q | None:
    """The cases `user` may see (write=False) or act on (write=True), before recusal; None = all."""
    if user.sees_everything:
        return None
    # The receiver keeps sight of a case they passed on (they took the contact and may be asked about
    # it), but ownership and the right to act follow the transfer (issue 14). A supervisor added to a
    # case watches it: they read it, they do not act on it.
    personal = Q(owner=user) | Q(assignee=user)
    if not write:
        personal |= Q(receiver=user)
        if supervised:
            personal |= Q(pk__in=supervised)
    if user.sees_unit:
        # Ids, not a join on the unit path: each branch of the OR can then use its FK index.
        from kefu.org.selectors import unit_subtree

        units = list(unit_subtree(user.unit).values_list("pk", flat=True))
        return personal | Q(responsible_unit_id__in=units) | Q(receiving_unit_id__in=units)
    return personal


def _sealed_filter(qs: models.QuerySet, user: User, *, supervised: list[int]) -> models.QuerySet:
    """Sealed case types (rulebook `sealed:`, like confidential files, 001 篇9): on top of everything
    else, only the roles the rulebook names and the people assigned to the case (owner, handler, and
    for reading the supervisors added to it)."""
    assigned = Q(owner=user) | Q(assignee=user)
    if supervised:
        assigned |= Q(pk__in=supervised)
    return qs.filter(Q(sealed_roles="") | assigned | Q(sealed_roles__contains=f",{user.role},"))


def sees_all_cases(user: User) -> bool:
    """Whether `user`'s scope is the whole organisation (general manager, deputy GM, quality,
    administrators). `visible_to` still hides from them the cases about themselves and the sealed
    case types their role may not read (unless they are assigned to the case)."""
    return bool(user.is_authenticated and user.is_active and user.sees_everything)


def reads_sealed(sealed_roles: str, role: str) -> bool:
    """Whether `role` may read cases with this `Case.sealed_roles` value ("" = not sealed)."""
    return not sealed_roles or f",{role}," in sealed_roles


def sealed_against_q(role: str) -> Q:
    """The cases of sealed case types `role` may not read (the people assigned to them still may)."""
    return ~Q(sealed_roles="") & ~Q(sealed_roles__contains=f",{role},")


def identity_q(user: User) -> Q:
    """The cases whose complainant `user` may see: every case that is not anonymous, and the anonymous
    ones whose pinned rulebook names the user's role (`confidentiality.identity_roles`) or, with
    `receiver_sees_identity`, the person who received it. Superusers pass every role check."""
    if user.is_superuser:
        return Q()
    from kefu.rulebooks.models import RulebookVersion

    by_role, as_receiver = [], []
    # A handful of versions; their parsed documents come from the per-process cache.
    for version in RulebookVersion.objects.only("id", "sha256"):
        conf = version.doc.confidentiality
        if user.role in conf.identity_roles:
            by_role.append(version.pk)
        elif conf.receiver_sees_identity:
            as_receiver.append(version.pk)
    return (
        Q(is_anonymous=False)
        | Q(rulebook_version_id__in=by_role)
        | Q(receiver_id=user.pk, rulebook_version_id__in=as_receiver)
    )


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CaseQuerySet:
        """The one place that decides which cases a person may see.

        General manager, deputy GM, quality and administrators see everything; supervisors and
        managers see the cases received by or routed to their unit and the units below it; everyone
        else sees what they received, own, handle or supervise. Nobody sees a case that complains about
        them (recusal, and 篇10: never reveal a complaint to the person complained about). A sealed case
        type narrows this to the roles its rulebook names and the people assigned (001 篇9).
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        supervised = _supervised_ids(user)
        scope = _scope(user, write=False, supervised=supervised)
        qs = self if scope is None else self.filter(scope)
        return _sealed_filter(qs.exclude(subject_person=user), user, supervised=supervised)

    def workable_by(self, user: User) -> CaseQuerySet:
        """The cases `user` may act on (rulebook roles decide which actions): `visible_to` without the
        cases they only received or only supervise (督办). A transfer moves the right to act to the new
        owner; the receiver keeps reading the case. Services check the same rule per case
        (`kefu.cases.changes.ensure_may_act`)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        scope = _scope(user, write=True, supervised=[])
        qs = self if scope is None else self.filter(scope)
        return _sealed_filter(qs.exclude(subject_person=user), user, supervised=[])

    def identity_visible_to(self, user: User) -> CaseQuerySet:
        """Of these cases, those whose complainant `user` may be shown (see `identity_q`)."""
        return self.filter(identity_q(user))

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=[CaseStatus.OPEN, CaseStatus.SUSPENDED])


class Case(TimeStampedModel):
    """A case (工单): an inquiry, suggestion, complaint, quality claim, repair request, praise or report.

    Its `stage` is a state of the rulebook version it was opened under (`rulebook_version`), which
    never changes, so loading a new rulebook never changes the rules of an open case. `status` is
    the engine's coarse view of the same thing. `version` increases on every change and is how
    clients prove they saw the latest state (a stale version gets 409).
    """

    number = models.CharField(_("case number"), max_length=40, unique=True)
    rulebook_version = models.ForeignKey(
        "rulebooks.RulebookVersion", verbose_name=_("rulebook version"), on_delete=models.PROTECT, related_name="+"
    )
    case_type = models.CharField(_("case type"), max_length=40)
    category = models.CharField(_("category"), max_length=40, blank=True)
    severity = models.CharField(_("severity"), max_length=40)
    # A code of the rulebook's channels (Kefu's global list unless the rulebook has its own): see `channel_label`.
    channel = models.CharField(_("channel"), max_length=20)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    stage = models.CharField(_("stage"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cases"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    customer_request = models.TextField(_("customer's request"), blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)

    # First-contact ownership (首问负责制): the receiver owns the case until a formal transfer.
    receiver = models.ForeignKey(USER, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+")
    receiving_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("receiving unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_cases")
    responsible_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    assignee = models.ForeignKey(
        USER, verbose_name=_("handler"), null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases"
    )
    subject_person = models.ForeignKey(
        USER,
        verbose_name=_("person complained about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit complained about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    validity = models.CharField(_("validity"), max_length=20, choices=Validity.choices, blank=True, default="")
    cause = models.TextField(_("cause"), blank=True)
    responsibility = models.CharField(_("responsibility"), max_length=10, choices=Responsibility.choices, blank=True)
    responsible_person = models.ForeignKey(
        USER, verbose_name=_("responsible person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    remedy_total = models.DecimalField(_("remedy total"), max_digits=12, decimal_places=2, default=0)
    approval_round = models.PositiveIntegerField(default=1)
    reply = models.TextField(_("reply to customer"), blank=True)
    customer_accepted = models.BooleanField(_("customer accepted"), null=True, blank=True)
    return_visit_note = models.TextField(_("return visit"), blank=True)
    review_summary = models.TextField(_("review"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    parent = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    suspended_stage_status = models.CharField(max_length=12, blank=True, editable=False)
    # The case type's form fields (rulebook `fields:`), key → value in the JSON form of
    # kefu.rulebooks.fields.clean_value. Indexed on PostgreSQL (GIN) for filters on choice fields.
    fields = models.JSONField(_("form fields"), default=dict, blank=True)
    # A sealed case type (rulebook `sealed:`): ",role,role," of the roles that may see it besides the
    # people assigned; "" = not sealed. Copied at registration so visible_to needs no rulebook.
    sealed_roles = models.CharField(max_length=200, blank=True, default="", editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The queue: open cases of a unit / of a person, newest first.
            models.Index(fields=["status", "-received_at"], name="case_status_recv"),
            models.Index(fields=["responsible_unit", "status", "-received_at"], name="case_unit_status_recv"),
            models.Index(fields=["owner", "status", "-received_at"], name="case_owner_status_recv"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            # Monthly statistics scan one month of received cases, and one month of closed cases.
            models.Index(fields=["received_at", "case_type"], name="case_recv_type"),
            models.Index(fields=["closed_at"], name="case_closed_at"),
            # The statistics rollup counts a month's sealed cases apart, and takes off (or adds back)
            # the ones a reader may not see: a few rows of the month, never the whole month.
            models.Index(fields=["received_at"], condition=~Q(sealed_roles=""), name="case_sealed_recv"),
            models.Index(fields=["closed_at"], condition=~Q(sealed_roles=""), name="case_sealed_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # Reads of the pinned rulebook; no database access beyond the first per process.
    @property
    def rulebook(self) -> RulebookDoc:
        return self.rulebook_version.doc

    @property
    def type_def(self) -> CaseTypeDef:
        return self.rulebook.case_type(self.case_type)

    @property
    def stage_label(self) -> str:
        state = self.type_def.states.get(self.stage)
        return state.label if state else self.stage

    @property
    def type_label(self) -> str:
        return self.type_def.label

    @property
    def category_label(self) -> str:
        return self.rulebook.category_label(self.category)

    @property
    def severity_label(self) -> str:
        return self.rulebook.severity_label(self.severity)

    def identity_visible_to(self, user: User) -> bool:
        """Whether `user` (who may see this case) may be shown its complainant: always for a named
        case; for an anonymous one, only the roles and the receiver its rulebook names (篇10 第十九条)."""
        if not self.is_anonymous or user.is_superuser:
            return True
        conf = self.rulebook.confidentiality
        return user.role in conf.identity_roles or (conf.receiver_sees_identity and self.receiver_id == user.pk)

    @property
    def channel_label(self) -> str:
        return self.rulebook.channel_label(self.channel)

    @property
    def is_sealed(self) -> bool:
        return bool(self.sealed_roles)


class CaseEvent(models.Model):
    """One row of a case's history, written in the same transaction as the change it records."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    transition = models.CharField(_("transition"), max_length=40, blank=True)
    actor = models.ForeignKey(USER, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    from_stage = models.CharField(max_length=40, blank=True)
    to_stage = models.CharField(max_length=40, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    message = models.TextField(_("comment"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    case_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    # Who had the case right after this change: subscribers delivered later (kefu.cases.events) must
    # tell the people of that moment, not whoever has the case when the event reaches them.
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    responsible_unit = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Delivery to the subscribers of kefu.cases.events: null until delivered (or set at once when no
    # subscriber wants this kind). Failed deliveries are retried from `dispatch_retry_at`.
    dispatched_at = models.DateTimeField(_("delivered to subscribers"), null=True, blank=True)
    dispatch_attempts = models.PositiveSmallIntegerField(_("failed deliveries"), default=0)
    dispatch_retry_at = models.DateTimeField(null=True, blank=True)
    dispatch_error = models.TextField(_("last delivery error"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case history")
        ordering = ["case", "id"]
        constraints = [
            # Two writers can never both record version N of a case.
            models.UniqueConstraint(fields=["case", "case_version"], name="case_event_version_unique")
        ]
        indexes = [
            # The dispatcher reads only undelivered events: a small partial index, whatever the history's size.
            models.Index(fields=["id"], condition=Q(dispatched_at__isnull=True), name="case_event_undelivered"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.transition}"


class CaseNote(TimeStampedModel):
    """A note on a case. Internal notes (the handling form) are never shown to the customer."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["case", "created_at"]

    def __str__(self) -> str:
        return self.body[:40]


def _attachment_path(instance: CaseAttachment, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CaseAttachment(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "created_at"]

    def __str__(self) -> str:
        return self.name


class Remedy(TimeStampedModel):
    """A proposed remedy. A new proposal supersedes the old ones, which stay for the record."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="remedies")
    approval_round = models.PositiveIntegerField()
    kind = models.CharField(_("remedy"), max_length=20, choices=RemedyKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, default=0)
    description = models.CharField(_("description"), max_length=500, blank=True)
    superseded = models.BooleanField(default=False)
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Approval(models.Model):
    """One step of the approval chain, decided once per round (enforced by the unique constraint)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals")
    approval_round = models.PositiveIntegerField()
    # The approval pass of the round (rulebook transition `approval_pass`); "" = the case type's chain.
    approval_pass = models.CharField(max_length=40, blank=True, default="")
    step = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20)
    approver = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=ApprovalDecision.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["case", "approval_round", "approval_pass", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "approval_round", "approval_pass", "step"], name="approval_step_once_per_pass"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} r{self.approval_round} s{self.step} {self.decision}"


class CaseSupervisor(models.Model):
    """A person added to a case to oversee it (督办), by an escalation step or a person. They see the
    case and hear about it; they do not own or handle it. Never removed: the record shows who watched."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervisors")
    user = models.ForeignKey(USER, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case supervisor")
        verbose_name_plural = _("case supervisors")
        ordering = ["case", "added_at"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_supervisor_once")]
        indexes = [models.Index(fields=["user", "case"], name="case_supervisor_user")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class NumberSequence(models.Model):
    """The counter behind one number prefix (e.g. 'KF2611'). Locked row per prefix: gap-free and unique."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class IdempotencyRecord(models.Model):
    """Remembers the case a (user, Idempotency-Key) created, so a retried request creates nothing."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    # Null only between claiming the key and creating the case, inside one transaction.
    case = models.ForeignKey(Case, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return self.key
