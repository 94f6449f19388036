"""The reward/penalty ledger: propose a draft, approve or reject it once, correct it by a reversing entry."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.appraisal.choices import EntryKind, EntrySource, EntryStatus
from kefu.appraisal.models import LedgerEntry
from kefu.appraisal.services.rules import appraisal_rules, within
from kefu.core.exceptions import ApplicationError, ConflictError, FieldErrors, ForbiddenError
from kefu.core.inputs import TEXT_SHORT, check_text

if TYPE_CHECKING:
    from kefu.appraisal.rules import AppraisalSection
    from kefu.org.models import User

__all__ = (
    "ledger_entry_correct",
    "ledger_entry_decide",
    "ledger_entry_propose",
    "ledger_service_points",
    "may_decide",
    "may_propose",
)

CENT = Decimal("0.01")


def may_propose(actor: User, person: User, section: AppraisalSection) -> bool:
    """Supervisors and the approvers enter rewards and penalties for people of their unit and below
    (conduct deductions: lateness, a private call over 3 minutes); nobody for themselves."""
    if actor.pk == person.pk or not actor.is_active:
        return False
    roles = set(section.approvers) | set(section.manager_roles) | {"quality", "administrator"}
    return (actor.is_superuser or actor.role in roles) and within(actor, person.unit.path if person.unit_id else "")


def may_decide(actor: User, entry: LedgerEntry, section: AppraisalSection) -> bool:
    """The rulebook's approvers decide; when the subject holds a manager role, only
    `manager_subject_approvers` (篇2: a manager cannot sanction a complaint about themselves). The subject
    never decides their own entry."""
    person = entry.person
    if actor.pk == person.pk or not actor.is_active:
        return False
    roles = section.manager_subject_approvers if person.role in section.manager_roles else section.approvers
    if actor.role not in roles and not (actor.is_superuser and person.role not in section.manager_roles):
        return False
    return within(actor, person.unit.path if person.unit_id else "")


def _amounts(
    section: AppraisalSection, reason_code: str, amount: Any, points: Any, errors: FieldErrors
) -> tuple[Any, str, Decimal, Decimal]:
    reason = section.ledger.reason(reason_code)
    if reason is None:
        errors.add(
            "reason",
            _("Unknown reason; the rulebook lists: %(codes)s.")
            % {"codes": ", ".join(r.code for r in section.ledger.reasons)},
        )
        return None, "", Decimal(0), Decimal(0)
    tier = section.ledger.tier(reason.tier) if reason.tier else None
    default_amount = reason.amount if reason.amount is not None else (tier.amount if tier else Decimal(0))
    default_points = reason.points if reason.points is not None else (tier.points if tier else Decimal(0))
    try:
        value = Decimal(str(amount)).quantize(CENT) if amount not in (None, "") else default_amount
        pts = Decimal(str(points)).quantize(CENT) if points not in (None, "") else default_points
    except (ArithmeticError, ValueError):
        errors.add("amount", _("Enter an amount in yuan, e.g. 200 or 150.50."))
        return reason, "", Decimal(0), Decimal(0)
    if value < 0 or value > Decimal("1000000"):
        errors.add("amount", _("The amount must be between 0 and 1,000,000 yuan."))
    if pts < 0 or pts > 1000:
        errors.add("points", _("Points must be between 0 and 1000."))
    if tier is not None and tier.amount_max is not None and not (tier.amount <= value <= tier.amount_max):
        errors.add(
            "amount",
            _("Tier %(tier)s allows %(low)s to %(high)s yuan.")
            % {"tier": tier.label, "low": tier.amount, "high": tier.amount_max},
        )
    return reason, tier.code if tier else "", value, pts


@transaction.atomic
def ledger_entry_propose(
    *,
    person: User,
    reason: str,
    actor: User,
    amount: Any = None,
    points: Any = None,
    note: str = "",
    source: str = EntrySource.MANUAL,
    case: Any = None,
    scorecard: Any = None,
    check_actor: bool = True,
    request_key: str = "",
    source_ref: str = "",
) -> LedgerEntry:
    """Draft a reward or penalty. Amount and points default to the reason's (or its tier's); a tier
    with a range (篇2 七(一) 30–100元) refuses an amount outside it."""
    if request_key:
        # A retried request (API Idempotency-Key, a web form sent twice) gets the entry it made.
        earlier = LedgerEntry.objects.filter(proposed_by=actor, request_key=request_key[:100]).first()
        if earlier is not None:
            return earlier
    version, section = appraisal_rules()
    errors = FieldErrors()
    note = check_text(errors, "note", note, limit=TEXT_SHORT)
    reason_def, tier, value, pts = _amounts(section, reason, amount, points, errors)
    if check_actor and not may_propose(actor, person, section):
        raise ForbiddenError(_("You may not enter rewards or penalties for this person."))
    errors.raise_if_any(_("The entry was not saved."))
    entry = LedgerEntry(
        person=person,
        kind=reason_def.kind,
        reason=reason_def.code,
        reason_label=reason_def.label,
        tier=tier,
        amount=value,
        points=pts,
        note=note,
        source=source,
        case=case,
        scorecard=scorecard,
        proposed_by=actor,
        request_key=request_key[:100],
        source_ref=source_ref[:80],
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise ConflictError(_("This entry has already been proposed.")) from exc
    transaction.on_commit(lambda: _tell_approvers(entry.pk))
    return entry


def _tell_approvers(entry_id: int) -> None:
    from kefu.appraisal.subscribers import notify_approvers

    notify_approvers(entry_id)


@transaction.atomic
def ledger_service_points(*, person: User, points: Any, month: str, actor: User, request_key: str = "") -> LedgerEntry:
    """篇8 4.1: service points above the monthly baseline earn `per_point` yuan each
    (17 points baseline, 270 yuan a point: 20 points → 3 × 270 = 810 yuan)."""
    _version, section = appraisal_rules()
    sp = section.ledger.service_points
    errors = FieldErrors()
    if sp is None or section.ledger.reason("service_points") is None:
        errors.add("points", _("The rulebook has no service points rule."))
        errors.raise_if_any(_("The entry was not saved."))
    try:
        earned = Decimal(str(points))
    except (ArithmeticError, ValueError):
        earned = Decimal(-1)
    if earned < 0 or earned > 1000:
        errors.add("points", _("Points must be between 0 and 1000."))
    errors.raise_if_any(_("The entry was not saved."))
    above = max(Decimal(0), earned - sp.baseline)
    if above == 0:
        raise ApplicationError(
            _("%(points)s points do not exceed the baseline of %(baseline)s.")
            % {"points": earned, "baseline": sp.baseline},
            extra={"points": [_("Nothing above the baseline.")]},
        )
    return ledger_entry_propose(
        person=person,
        reason="service_points",
        actor=actor,
        amount=(above * sp.per_point).quantize(CENT),
        points=above,
        note=_("%(month)s: %(points)s service points, baseline %(baseline)s")
        % {"month": month, "points": earned, "baseline": sp.baseline},
        request_key=request_key,
    )


@transaction.atomic
def ledger_entry_decide(*, entry: LedgerEntry, actor: User, approve: bool, note: str = "") -> LedgerEntry:
    """Approve or reject a draft, once (a conditional UPDATE … WHERE status='draft')."""
    _version, section = appraisal_rules()
    errors = FieldErrors()
    note = check_text(errors, "decision_note", note, limit=TEXT_SHORT, required=not approve)
    entry = LedgerEntry.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=entry.pk)
    if not may_decide(actor, entry, section):
        raise ForbiddenError(_("You may not decide this entry."))
    errors.raise_if_any(_("Say why the entry is rejected."))
    now = timezone.now()
    status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    done = LedgerEntry.objects.filter(pk=entry.pk, status=EntryStatus.DRAFT).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note, updated_at=now
    )
    if not done:
        raise ConflictError(_("This entry has already been decided."))
    entry.refresh_from_db()
    return entry


@transaction.atomic
def ledger_entry_correct(*, entry: LedgerEntry, actor: User, note: str) -> LedgerEntry:
    """An approved entry is never edited: this drafts the reversing entry (same person, reason and
    kind; amount and points negated), which is approved like any other. Once per entry."""
    _version, section = appraisal_rules()
    errors = FieldErrors()
    note = check_text(errors, "note", note, limit=TEXT_SHORT, required=True)
    entry = LedgerEntry.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=entry.pk)
    if not may_propose(actor, entry.person, section):
        raise ForbiddenError(_("You may not correct entries for this person."))
    errors.raise_if_any(_("Say what the correction is for."))
    if entry.status != EntryStatus.APPROVED or entry.source == EntrySource.CORRECTION:
        raise ConflictError(_("Only an approved entry can be corrected; a draft is rejected instead."))
    reversal = LedgerEntry(
        person=entry.person,
        kind=entry.kind,
        reason=entry.reason,
        reason_label=entry.reason_label,
        tier=entry.tier,
        amount=-entry.amount,
        points=-entry.points,
        note=note,
        source=EntrySource.CORRECTION,
        case=entry.case,
        corrects=entry,
        proposed_by=actor,
    )
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError as exc:
        raise ConflictError(_("This entry has already been corrected.")) from exc
    transaction.on_commit(lambda: _tell_approvers(reversal.pk))
    return reversal


def signed_amount(entry: LedgerEntry) -> Decimal:
    return entry.amount if entry.kind == EntryKind.REWARD else -entry.amount
