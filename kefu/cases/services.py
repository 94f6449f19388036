"""Every write to a case goes through a function in this module.

Each one runs in a transaction, locks the case row (`select_for_update`), checks the version the
client saw, checks the rulebook (stage, role, recusal), changes the case, bumps its version and
writes a `CaseEvent` in the same transaction. Notifications are queued with `on_commit`, so nothing
is sent for a change that rolled back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.choices import (
    ApprovalDecision,
    CaseStatus,
    Channel,
    EventKind,
    NoteVisibility,
    RemedyKind,
    Responsibility,
    Validity,
)
from kefu.cases.models import (
    Approval,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    IdempotencyRecord,
    NumberSequence,
    Remedy,
)
from kefu.core.exceptions import ApplicationError, ConflictError, ForbiddenError
from kefu.customers.models import Contact, Customer
from kefu.org.choices import Role
from kefu.org.models import OrgUnit, User
from kefu.rulebooks.choices import Operation, StateKind, TransitionAction
from kefu.rulebooks.schema import ApprovalStepDef, RulebookDoc, TransitionDef, render_number_prefix
from kefu.rulebooks.selectors import rulebook_for_new_case
from kefu.sla import services as sla

__all__ = (
    "case_register",
    "case_transition",
    "case_transfer",
    "case_suspend",
    "case_resume",
    "case_withdraw",
    "case_reopen",
    "case_merge",
    "case_update_classification",
    "case_add_note",
    "case_add_attachment",
    "case_hand_over_open_work",
    "approval_steps_required",
    "request_fingerprint",
)


# --------------------------------------------------------------------------------------------------
# Helpers


class _Errors:
    """Collects field errors so a request learns everything that is wrong at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self, message: str = "") -> None:
        if self.fields:
            raise ApplicationError(message or _("Invalid input."), extra=self.fields)


def request_fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _next_number(*, pattern: str, case_type: str, when: datetime) -> str:
    """Take the next serial for the pattern's prefix (e.g. 'KF2611' → 'KF261100042').

    The prefix row is created if missing (a no-op when another transaction got there first) and
    then locked, so parallel registrations queue on it and get consecutive, unique serials. A
    registration that rolls back rolls its increment back too: no gaps.
    """
    prefix, width = render_number_prefix(pattern, when=timezone.localtime(when), type_code=case_type)
    NumberSequence.objects.bulk_create([NumberSequence(prefix=prefix, last=0)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(prefix=prefix)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}{seq.last:0{width}d}"


def _record(
    case: Case,
    *,
    actor: User,
    kind: str,
    transition: str = "",
    from_stage: str = "",
    from_status: str = "",
    message: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        transition=transition,
        actor=actor,
        from_stage=from_stage,
        to_stage=case.stage,
        from_status=from_status,
        to_status=case.status,
        message=message,
        data=data or {},
        case_version=case.version,
    )
    _notify_on_commit(case_id=case.pk, event_id=event.pk)
    return event


def _notify_on_commit(*, case_id: int, event_id: int) -> None:
    from kefu.cases.tasks import case_notify

    transaction.on_commit(lambda: case_notify.delay(case_id, event_id))


def _lock(case: Case, expected_version: int | None) -> Case:
    # of=("self",): lock only the case row. A plain FOR UPDATE also locks the joined rulebook version,
    # which every case of that version shares, so all writes would queue on it (and could deadlock).
    locked = Case.objects.select_for_update(of=("self",)).select_related("rulebook_version").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "Case %(number)s was changed by someone else (you saw version %(seen)s, it is now %(current)s). "
                "Reload it and try again."
            )
            % {"number": locked.number, "seen": expected_version, "current": locked.version},
            extra={"version": [_("Current version is %(current)s.") % {"current": locked.version}]},
        )
    return locked


def _has_role(actor: User, roles: list[str]) -> bool:
    return actor.is_superuser or actor.role in roles


def _check_recusal(case: Case, actor: User) -> None:
    if case.subject_person_id is not None and case.subject_person_id == actor.pk:
        raise ForbiddenError(_("You are the person this case complains about, so you may not handle or judge it."))


def _check_operation(case: Case, actor: User, op: Operation) -> None:
    _check_recusal(case, actor)
    roles = case.rulebook.operation_roles(op)
    if not _has_role(actor, roles):
        raise ForbiddenError(
            _("Your role (%(role)s) may not do “%(operation)s” under the rulebook “%(rulebook)s”.")
            % {"role": actor.get_role_display(), "operation": op.label, "rulebook": case.rulebook.name}
        )


def _save(case: Case, fields: list[str]) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _user(errors: _Errors, name: str, value: Any, *, required: bool = False) -> User | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    user = (
        User.objects.filter(pk=value, is_active=True).select_related("unit").first() if str(value).isdigit() else None
    )
    if user is None:
        errors.add(name, _("No active staff member with id %(id)s.") % {"id": value})
    return user


def _unit(errors: _Errors, name: str, value: Any, *, required: bool = False) -> OrgUnit | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    unit = OrgUnit.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
    if unit is None:
        errors.add(name, _("No active organisation unit with id %(id)s.") % {"id": value})
    return unit


def _text(errors: _Errors, data: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors.add(name, _("This field is required."))
    return value


# --------------------------------------------------------------------------------------------------
# Registration


@transaction.atomic
def case_register(
    *,
    actor: User,
    case_type: str,
    customer: Customer,
    channel: str,
    title: str,
    description: str,
    category: str = "",
    severity: str = "",
    customer_request: str = "",
    contact: Contact | None = None,
    subject_person: User | None = None,
    subject_unit: OrgUnit | None = None,
    is_anonymous: bool = False,
    received_at: datetime | None = None,
    rulebook_key: str | None = None,
    parent: Case | None = None,
    idempotency_key: str = "",
    request_hash: str = "",
) -> tuple[Case, bool]:
    """Register a case; the actor receives and owns it (首问负责制). Returns (case, created).

    With an idempotency key, a repeat of the same request returns the first case and creates
    nothing; the key claim is inserted first, so a parallel repeat waits for the first to commit.
    """
    record = None
    if idempotency_key:
        record, first = _claim_idempotency_key(actor=actor, key=idempotency_key, request_hash=request_hash)
        if not first:
            return record.case, False

    version = rulebook_for_new_case(rulebook_key)
    doc: RulebookDoc = version.doc
    errors = _Errors()
    type_def = doc.case_types.get(case_type)
    if type_def is None:
        errors.add(
            "case_type",
            _("Unknown case type “%(value)s”; this rulebook has: %(choices)s.")
            % {"value": case_type, "choices": ", ".join(doc.case_types)},
        )
    else:
        allowed = [c.code for c in doc.categories_for(case_type)]
        if category and category not in allowed:
            errors.add(
                "category",
                _("Unknown category “%(value)s” for %(type)s; choose one of: %(choices)s.")
                % {"value": category, "type": type_def.label, "choices": ", ".join(allowed)},
            )
    severity = severity or doc.severities[0].code
    if doc.severity(severity) is None:
        errors.add(
            "severity",
            _("Unknown severity “%(value)s”; choose one of: %(choices)s.")
            % {"value": severity, "choices": ", ".join(s.code for s in doc.severities)},
        )
    if channel not in Channel.values:
        errors.add(
            "channel",
            _("Unknown channel “%(value)s”; choose one of: %(choices)s.")
            % {"value": channel, "choices": ", ".join(Channel.values)},
        )
    if not title.strip():
        errors.add("title", _("This field is required."))
    if not description.strip():
        errors.add("description", _("This field is required."))
    if contact is not None and contact.customer_id != customer.pk:
        errors.add("contact", _("This contact belongs to another customer."))
    if subject_person is not None and subject_person.pk == actor.pk:
        errors.add("subject_person", _("You cannot register a complaint about yourself; ask a colleague to take it."))
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        errors.add("received_at", _("A case cannot be received in the future."))
    errors.raise_if_any(_("The case was not registered."))
    assert type_def is not None

    case = Case(
        number=_next_number(pattern=doc.numbering_for(case_type).pattern, case_type=case_type, when=now),
        rulebook_version=version,
        case_type=case_type,
        category=category,
        severity=severity,
        channel=channel,
        stage=type_def.initial,
        status=CaseStatus.OPEN,
        customer=customer,
        contact=contact,
        is_anonymous=is_anonymous,
        title=title.strip(),
        description=description.strip(),
        customer_request=customer_request.strip(),
        received_at=received_at,
        receiver=actor,
        receiving_unit=actor.unit,
        owner=actor,
        subject_person=subject_person,
        subject_unit=subject_unit or (subject_person.unit if subject_person else None),
        parent=parent,
    )
    case.save()
    if record is not None:
        record.case = case
        record.save(update_fields=["case"])
    _record(
        case,
        actor=actor,
        kind=EventKind.REGISTERED,
        message=case.title,
        data={"rulebook": doc.key, "rulebook_version": version.number, "parent": parent.number if parent else None},
    )
    # Clocks count from receipt, which may be earlier than the registration (a letter, a call-back).
    sla.clocks_start_for(case=case, stage="registered", at=received_at, actor=actor)
    if type_def.initial != "registered":
        sla.clocks_start_for(case=case, stage=type_def.initial, at=received_at, actor=actor)
    return case, True


def _claim_idempotency_key(*, actor: User, key: str, request_hash: str) -> tuple[IdempotencyRecord, bool]:
    if len(key) > 100:
        raise ApplicationError(
            _("Idempotency-Key is too long."), extra={"idempotency_key": [_("At most 100 characters.")]}
        )
    existing = IdempotencyRecord.objects.filter(user=actor, key=key).select_related("case").first()
    if existing is None:
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=actor, key=key, request_hash=request_hash), True
        except IntegrityError:
            # A parallel request with the same key committed first; fall through and return its case.
            existing = IdempotencyRecord.objects.select_related("case").get(user=actor, key=key)
    if request_hash and existing.request_hash != request_hash:
        raise ApplicationError(
            _("This Idempotency-Key was already used for a different request."),
            extra={"idempotency_key": [_("Use a new key for a new case.")]},
        )
    return existing, False


# --------------------------------------------------------------------------------------------------
# Rulebook transitions


@dataclass
class _Outcome:
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    move: bool = True


def approval_steps_required(case: Case) -> list[ApprovalStepDef]:
    """The approval chain steps this case needs: up to the first whose limit covers the remedy
    total, and at least as high as the severity demands."""
    doc = case.rulebook
    chain_name = case.type_def.approval_chain
    if not chain_name:
        return []
    chain = doc.approval_chains[chain_name]
    needed = next((i + 1 for i, s in enumerate(chain) if s.limit is None or case.remedy_total <= s.limit), len(chain))
    severity = doc.severity(case.severity)
    if severity is not None:
        needed = max(needed, min(severity.approval_min_step, len(chain)))
    return chain[:needed]


def _next_approval_step(case: Case) -> tuple[int, ApprovalStepDef] | None:
    steps = approval_steps_required(case)
    done = case.approvals.filter(approval_round=case.approval_round, decision=ApprovalDecision.APPROVED).count()
    return (done, steps[done]) if done < len(steps) else None


def _act_advance(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    return _Outcome(message=str(data.get("comment") or ""))


def _act_establish(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    case.validity = Validity.ESTABLISHED
    return _Outcome(message=str(data.get("comment") or ""), fields=["validity"])


def _act_not_established(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    reason = _text(errors, data, "reason")
    errors.raise_if_any(_("A complaint that does not stand must be answered with a reason."))
    case.validity = Validity.NOT_ESTABLISHED
    case.reply = reason
    CaseNote.objects.create(case=case, author=actor, visibility=NoteVisibility.CUSTOMER, body=reason)
    return _Outcome(message=reason, fields=["validity", "reply"])


def _act_route(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    unit = _unit(errors, "unit", data.get("unit"), required=True)
    assignee = _user(errors, "assignee", data.get("assignee"))
    if assignee is not None and assignee.pk == case.subject_person_id:
        errors.add("assignee", _("This person is the subject of the complaint and must not handle it (recusal)."))
    errors.raise_if_any(_("The case was not routed."))
    case.responsible_unit = unit
    case.assignee = assignee
    return _Outcome(
        message=str(data.get("comment") or ""),
        data={"unit": unit.name if unit else None, "assignee": str(assignee) if assignee else None},
        fields=["responsible_unit", "assignee"],
    )


def _act_assign(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    assignee = _user(errors, "assignee", data.get("assignee"), required=True)
    if assignee is not None and assignee.pk == case.subject_person_id:
        errors.add("assignee", _("This person is the subject of the complaint and must not handle it (recusal)."))
    errors.raise_if_any(_("The case was not assigned."))
    case.assignee = assignee
    return _Outcome(data={"assignee": str(assignee)}, fields=["assignee"])


def _act_finding(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    cause = _text(errors, data, "cause")
    responsibility = str(data.get("responsibility") or "")
    if responsibility not in Responsibility.values:
        errors.add("responsibility", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Responsibility.values)})
    unit = _unit(errors, "responsible_unit", data.get("responsible_unit"))
    person = _user(errors, "responsible_person", data.get("responsible_person"))
    errors.raise_if_any(_("The finding was not recorded."))
    case.cause = cause
    case.responsibility = responsibility
    case.responsible_person = person
    fields = ["cause", "responsibility", "responsible_person"]
    if unit is not None:
        case.responsible_unit = unit
        fields.append("responsible_unit")
    return _Outcome(message=cause, data={"responsibility": responsibility}, fields=fields)


def _act_remedy(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    items = data.get("remedies")
    parsed: list[Remedy] = []
    if not isinstance(items, list) or not items:
        errors.add("remedies", _("Propose at least one remedy."))
    else:
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                errors.add(f"remedies[{i}]", _("Each remedy needs a kind and an amount."))
                continue
            kind = str(item.get("kind") or "")
            if kind not in RemedyKind.values:
                errors.add(
                    f"remedies[{i}].kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(RemedyKind.values)}
                )
            try:
                amount = Decimal(str(item.get("amount") or "0"))
                if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e10"):
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors.add(f"remedies[{i}].amount", _("A non-negative amount in yuan with at most 2 decimals."))
                amount = Decimal(0)
            parsed.append(
                Remedy(
                    case=case,
                    kind=kind,
                    amount=amount,
                    description=str(item.get("description") or "")[:500],
                    proposed_by=actor,
                )
            )
    errors.raise_if_any(_("The remedy was not recorded."))
    case.remedies.filter(superseded=False).update(superseded=True)
    for remedy in parsed:
        remedy.approval_round = case.approval_round
        remedy.save()
    case.remedy_total = sum((r.amount for r in parsed), Decimal(0))
    return _Outcome(
        message=str(data.get("comment") or ""),
        data={"remedies": [{"kind": r.kind, "amount": str(r.amount)} for r in parsed], "total": str(case.remedy_total)},
        fields=["remedy_total"],
    )


def _approval_step_for(case: Case, actor: User) -> tuple[int, ApprovalStepDef]:
    step = _next_approval_step(case)
    if step is None:
        raise ApplicationError(_("Every required approval has already been given."))
    index, step_def = step
    if not _has_role(actor, [step_def.role]):
        raise ForbiddenError(
            _("Step %(step)s of the approval chain (%(label)s) must be decided by someone with the role '%(role)s'.")
            % {"step": index + 1, "label": step_def.label or step_def.role, "role": step_def.role}
        )
    return index, step_def


def _act_approve(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    index, step_def = _approval_step_for(case, actor)
    comment = str(data.get("comment") or "")
    Approval.objects.create(
        case=case,
        approval_round=case.approval_round,
        step=index,
        role=step_def.role,
        approver=actor,
        decision=ApprovalDecision.APPROVED,
        comment=comment,
    )
    remaining = len(approval_steps_required(case)) - (index + 1)
    return _Outcome(
        message=comment,
        data={"step": index + 1, "level": step_def.label or step_def.role, "remaining": remaining},
        move=remaining == 0,
    )


def _act_decline(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    index, step_def = _approval_step_for(case, actor)
    errors = _Errors()
    comment = _text(errors, data, "comment")
    errors.raise_if_any(_("Say why the remedy is sent back."))
    Approval.objects.create(
        case=case,
        approval_round=case.approval_round,
        step=index,
        role=step_def.role,
        approver=actor,
        decision=ApprovalDecision.DECLINED,
        comment=comment,
    )
    case.approval_round += 1
    return _Outcome(message=comment, data={"step": index + 1}, fields=["approval_round"])


def _act_reply(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    reply = _text(errors, data, "reply")
    errors.raise_if_any(_("The reply is empty."))
    case.reply = reply
    CaseNote.objects.create(case=case, author=actor, visibility=NoteVisibility.CUSTOMER, body=reply)
    return _Outcome(message=reply, fields=["reply"])


def _act_customer_accept(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    case.customer_accepted = True
    return _Outcome(message=str(data.get("comment") or ""), fields=["customer_accepted"])


def _act_customer_reject(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    reason = _text(errors, data, "reason")
    errors.raise_if_any(_("Record why the customer does not accept."))
    case.customer_accepted = False
    follow_up, _created = case_register(
        actor=actor,
        case_type=case.case_type,
        customer=case.customer,
        contact=case.contact,
        channel=case.channel,
        category=case.category,
        severity=case.severity,
        title=f"{case.title}（{case.number} 复议）",
        description=reason,
        customer_request=case.customer_request,
        subject_person=case.subject_person,
        subject_unit=case.subject_unit,
        rulebook_key=case.rulebook.key,
        parent=case,
    )
    return _Outcome(
        message=reason, data={"follow_up": follow_up.number, "follow_up_id": follow_up.pk}, fields=["customer_accepted"]
    )


def _act_return_visit(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    note = _text(errors, data, "note")
    errors.raise_if_any(_("Record what the customer said on the return visit."))
    case.return_visit_note = note
    return _Outcome(message=note, fields=["return_visit_note"])


def _act_review(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> _Outcome:
    errors = _Errors()
    summary = _text(errors, data, "summary")
    errors.raise_if_any(_("Write the review summary."))
    case.review_summary = summary
    return _Outcome(message=summary, fields=["review_summary"])


_ACTIONS: dict[str, Callable[[Case, User, dict[str, Any], TransitionDef], _Outcome]] = {
    TransitionAction.ADVANCE: _act_advance,
    TransitionAction.ESTABLISH: _act_establish,
    TransitionAction.NOT_ESTABLISHED: _act_not_established,
    TransitionAction.ROUTE: _act_route,
    TransitionAction.ASSIGN: _act_assign,
    TransitionAction.FINDING: _act_finding,
    TransitionAction.REMEDY: _act_remedy,
    TransitionAction.APPROVE: _act_approve,
    TransitionAction.DECLINE: _act_decline,
    TransitionAction.REPLY: _act_reply,
    TransitionAction.CUSTOMER_ACCEPT: _act_customer_accept,
    TransitionAction.CUSTOMER_REJECT: _act_customer_reject,
    TransitionAction.RETURN_VISIT: _act_return_visit,
    TransitionAction.REVIEW: _act_review,
    TransitionAction.CLOSE: _act_advance,
    TransitionAction.ARCHIVE: _act_advance,
}


def transition_allowed(case: Case, actor: User, td: TransitionDef) -> bool:
    """Whether `actor` may take `td` now (used to show only the actions a person may take)."""
    if case.status != CaseStatus.OPEN and not (
        case.status == CaseStatus.CLOSED and td.action == TransitionAction.ARCHIVE
    ):
        return False
    if case.stage not in td.from_ or case.subject_person_id == actor.pk:
        return False
    if td.action in (TransitionAction.APPROVE, TransitionAction.DECLINE):
        step = _next_approval_step(case)
        return step is not None and _has_role(actor, [step[1].role])
    return _has_role(actor, td.roles)


@transaction.atomic
def case_transition(
    *, case: Case, actor: User, transition: str, expected_version: int | None, data: dict[str, Any] | None = None
) -> Case:
    """Take the rulebook transition `transition` on `case` for `actor`."""
    data = data or {}
    case = _lock(case, expected_version)
    type_def = case.type_def
    td = type_def.transition(transition)
    if td is None:
        raise ApplicationError(
            _("“%(name)s” is not a transition of %(type)s.") % {"name": transition, "type": type_def.label},
            extra={"transition": [_("Known: %(names)s.") % {"names": ", ".join(t.name for t in type_def.transitions)}]},
        )
    closing_archive = case.status == CaseStatus.CLOSED and td.action == TransitionAction.ARCHIVE
    if case.status != CaseStatus.OPEN and not closing_archive:
        raise ApplicationError(
            _("Case %(number)s is %(status)s; “%(action)s” is not possible.")
            % {"number": case.number, "status": case.get_status_display(), "action": td.label}
        )
    if case.stage not in td.from_:
        possible = [t.label for t in type_def.transitions_from(case.stage)]
        raise ApplicationError(
            _("“%(action)s” is not possible while the case is at “%(stage)s”.")
            % {"action": td.label, "stage": case.stage_label}
            + (" " + _("Possible now: %(actions)s.") % {"actions": ", ".join(possible)} if possible else "")
        )
    _check_recusal(case, actor)
    if td.action not in (TransitionAction.APPROVE, TransitionAction.DECLINE) and not _has_role(actor, td.roles):
        raise ForbiddenError(
            _("“%(action)s” may be done by: %(roles)s; your role is %(role)s.")
            % {
                "action": td.label,
                "roles": ", ".join(str(Role(r).label) for r in td.roles),
                "role": actor.get_role_display(),
            }
        )

    from_stage, from_status = case.stage, case.status
    outcome = _ACTIONS[td.action](case, actor, data, td)
    fields = list(outcome.fields)
    now = timezone.now()
    if outcome.move:
        case.stage = td.to
        kind = type_def.state(td.to).kind
        if kind == StateKind.CLOSED:
            case.status, case.closed_at = CaseStatus.CLOSED, now
        elif kind == StateKind.ARCHIVED:
            case.status, case.archived_at = CaseStatus.ARCHIVED, now
        fields += ["stage", "status", "closed_at", "archived_at"]
    _save(case, fields)
    _record(
        case,
        actor=actor,
        kind=EventKind.TRANSITION,
        transition=td.name,
        from_stage=from_stage,
        from_status=from_status,
        message=outcome.message,
        data=outcome.data,
    )
    if case.stage != from_stage:
        sla.clocks_on_stage_change(case=case, from_stage=from_stage, at=now, actor=actor)
    return case


# --------------------------------------------------------------------------------------------------
# Operations outside the state graph


@transaction.atomic
def case_transfer(
    *,
    case: Case,
    actor: User,
    expected_version: int | None,
    new_owner: User,
    unit: OrgUnit | None = None,
    reason: str = "",
) -> Case:
    """Formally hand a case to another owner (the end of first-contact ownership for the old one)."""
    case = _lock(case, expected_version)
    if case.owner_id != actor.pk:
        _check_operation(case, actor, Operation.TRANSFER)
    _check_recusal(case, actor)
    errors = _Errors()
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        errors.add("status", _("Only open cases can be transferred."))
    if not new_owner.is_active:
        errors.add("new_owner", _("This person is no longer active."))
    if new_owner.pk == case.subject_person_id:
        errors.add("new_owner", _("This person is the subject of the complaint and must not own it (recusal)."))
    if new_owner.pk == case.owner_id:
        errors.add("new_owner", _("This person already owns the case."))
    if not reason.strip():
        errors.add("reason", _("Say why the case is transferred."))
    errors.raise_if_any(_("The case was not transferred."))
    old_owner = case.owner
    case.owner = new_owner
    fields = ["owner"]
    if unit is not None:
        case.responsible_unit = unit
        fields.append("responsible_unit")
    _save(case, fields)
    _record(
        case,
        actor=actor,
        kind=EventKind.TRANSFER,
        from_stage=case.stage,
        from_status=case.status,
        message=reason.strip(),
        data={"from": str(old_owner), "to": str(new_owner), "unit": unit.name if unit else None},
    )
    return case


def _status_change(
    *,
    case: Case,
    actor: User,
    expected_version: int | None,
    op: Operation,
    allowed_from: tuple[str, ...],
    to_status: str,
    kind: str,
    reason: str,
    reason_required: bool = True,
) -> Case:
    case = _lock(case, expected_version)
    _check_operation(case, actor, op)
    if case.status not in allowed_from:
        raise ApplicationError(
            _("Case %(number)s is %(status)s: “%(operation)s” is not possible.")
            % {"number": case.number, "status": case.get_status_display(), "operation": op.label}
        )
    if reason_required and not reason.strip():
        raise ApplicationError(_("Give a reason."), extra={"reason": [_("This field is required.")]})
    from_status = case.status
    case.status = to_status
    fields = ["status"]
    now = timezone.now()
    if to_status in (CaseStatus.WITHDRAWN, CaseStatus.MERGED):
        case.closed_at = now
        fields.append("closed_at")
    _save(case, fields)
    _record(case, actor=actor, kind=kind, from_stage=case.stage, from_status=from_status, message=reason.strip())
    pause_in = case.type_def.sla.pause_in if case.type_def.sla else []
    if to_status == CaseStatus.SUSPENDED:
        sla.clocks_pause(case=case, at=now)
    elif to_status == CaseStatus.OPEN and case.stage not in pause_in:
        # Resuming a case that waits in a pause state (on the customer, on parts) keeps its clocks paused.
        sla.clocks_resume(case=case, at=now, actor=actor)
    elif to_status == CaseStatus.WITHDRAWN:
        sla.clocks_cancel(case=case, at=now)
    return case


@transaction.atomic
def case_suspend(*, case: Case, actor: User, expected_version: int | None, reason: str) -> Case:
    return _status_change(
        case=case,
        actor=actor,
        expected_version=expected_version,
        op=Operation.SUSPEND,
        allowed_from=(CaseStatus.OPEN,),
        to_status=CaseStatus.SUSPENDED,
        kind=EventKind.SUSPEND,
        reason=reason,
    )


@transaction.atomic
def case_resume(*, case: Case, actor: User, expected_version: int | None, reason: str = "") -> Case:
    return _status_change(
        case=case,
        actor=actor,
        expected_version=expected_version,
        op=Operation.RESUME,
        allowed_from=(CaseStatus.SUSPENDED,),
        to_status=CaseStatus.OPEN,
        kind=EventKind.RESUME,
        reason=reason,
        reason_required=False,
    )


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, expected_version: int | None, reason: str) -> Case:
    """The customer withdrew the case. It stays on record with its reason."""
    return _status_change(
        case=case,
        actor=actor,
        expected_version=expected_version,
        op=Operation.WITHDRAW,
        allowed_from=(CaseStatus.OPEN, CaseStatus.SUSPENDED),
        to_status=CaseStatus.WITHDRAWN,
        kind=EventKind.WITHDRAW,
        reason=reason,
    )


@transaction.atomic
def case_reopen(*, case: Case, actor: User, expected_version: int | None, reason: str) -> Case:
    """Reopen a closed (not archived) case at the rulebook's `reopen_to` stage."""
    case = _lock(case, expected_version)
    _check_operation(case, actor, Operation.REOPEN)
    if case.status != CaseStatus.CLOSED:
        raise ApplicationError(
            _("Only closed cases can be reopened; case %(number)s is %(status)s.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    if not reason.strip():
        raise ApplicationError(_("Give a reason."), extra={"reason": [_("This field is required.")]})
    from_stage, from_status = case.stage, case.status
    case.stage = case.type_def.reopen_to or case.type_def.initial
    case.status = CaseStatus.OPEN
    case.closed_at = None
    _save(case, ["stage", "status", "closed_at"])
    _record(
        case, actor=actor, kind=EventKind.REOPEN, from_stage=from_stage, from_status=from_status, message=reason.strip()
    )
    # Closing stopped or cancelled every clock; the clocks that start at the reopen stage run again.
    sla.clocks_start_for(case=case, stage=case.stage, at=timezone.now(), actor=actor)
    return case


@transaction.atomic
def case_merge(*, case: Case, into: Case, actor: User, expected_version: int | None, reason: str = "") -> Case:
    """Mark `case` as a duplicate of `into`. Both stay on record; `case` points at `into`."""
    if case.pk == into.pk:
        raise ApplicationError(_("A case cannot be merged into itself."), extra={"into": [_("Choose another case.")]})
    # Lock both rows in id order so two opposite merges cannot deadlock.
    first, second = sorted([case, into], key=lambda c: c.pk)
    locked = {c.pk: c for c in (_lock(first, None), _lock(second, None))}
    case, into = locked[case.pk], locked[into.pk]
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            _("Case %(number)s was changed by someone else. Reload it and try again.") % {"number": case.number},
            extra={"version": [_("Current version is %(current)s.") % {"current": case.version}]},
        )
    _check_operation(case, actor, Operation.MERGE)
    errors = _Errors()
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        errors.add("case", _("Only open cases can be merged."))
    if into.status in (CaseStatus.MERGED, CaseStatus.WITHDRAWN):
        errors.add(
            "into",
            _("Case %(number)s is %(status)s; merge into the surviving case.")
            % {"number": into.number, "status": into.get_status_display()},
        )
    if into.customer_id != case.customer_id:
        errors.add("into", _("Duplicates must belong to the same customer."))
    errors.raise_if_any(_("The cases were not merged."))
    from_status = case.status
    case.status = CaseStatus.MERGED
    case.merged_into = into
    case.closed_at = timezone.now()
    _save(case, ["status", "merged_into", "closed_at"])
    sla.clocks_cancel(case=case, at=case.closed_at)
    _record(
        case,
        actor=actor,
        kind=EventKind.MERGE,
        from_stage=case.stage,
        from_status=from_status,
        message=reason,
        data={"into": into.number},
    )
    _save(into, [])
    _record(
        into,
        actor=actor,
        kind=EventKind.MERGE,
        from_stage=into.stage,
        from_status=into.status,
        message=reason,
        data={"duplicate": case.number},
    )
    return case


# Besides the case's owner and handler, who may correct a case's category or severity. The rulebook
# has no operation for it (yet): these are the roles that already judge cases.
CLASSIFY_ROLES = [Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY_GM, Role.QUALITY, Role.GENERAL_MANAGER, Role.ADMINISTRATOR]


@transaction.atomic
def case_update_classification(
    *,
    case: Case,
    actor: User,
    expected_version: int | None,
    category: str | None = None,
    severity: str | None = None,
    reason: str,
) -> Case:
    """Change the category and/or severity of an open case (None = unchanged) and recompute its
    running deadlines, keeping the time already used (docs/sla.md)."""
    case = _lock(case, expected_version)
    _check_recusal(case, actor)
    if actor.pk not in (case.owner_id, case.assignee_id) and not _has_role(actor, CLASSIFY_ROLES):
        raise ForbiddenError(
            _("Only the case's owner or handler, or a supervisor, may change its category or severity.")
        )
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUSPENDED):
        raise ApplicationError(
            _("Case %(number)s is %(status)s; its classification can no longer change.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    doc = case.rulebook
    errors = _Errors()
    changes: dict[str, list[str]] = {}
    if category is not None and category != case.category:
        allowed = [c.code for c in doc.categories_for(case.case_type)]
        if category not in allowed:
            errors.add(
                "category",
                _("Unknown category “%(value)s” for %(type)s; choose one of: %(choices)s.")
                % {"value": category, "type": case.type_label, "choices": ", ".join(allowed)},
            )
        changes["category"] = [case.category, category]
    if severity is not None and severity != case.severity:
        if doc.severity(severity) is None:
            errors.add(
                "severity",
                _("Unknown severity “%(value)s”; choose one of: %(choices)s.")
                % {"value": severity, "choices": ", ".join(s.code for s in doc.severities)},
            )
        changes["severity"] = [case.severity, severity]
    if not reason.strip():
        errors.add("reason", _("Say why the classification changes."))
    if not changes and not errors.fields:
        errors.add("severity", _("Neither the category nor the severity changed."))
    errors.raise_if_any(_("The classification was not changed."))
    labels = []
    if "category" in changes:
        labels.append(
            _("category %(old)s → %(new)s")
            % {"old": doc.category_label(changes["category"][0]) or "—", "new": doc.category_label(category or "")}
        )
        case.category = category or ""
    if "severity" in changes:
        labels.append(
            _("severity %(old)s → %(new)s")
            % {"old": doc.severity_label(changes["severity"][0]), "new": doc.severity_label(severity or "")}
        )
        case.severity = severity or case.severity
    _save(case, list(changes))
    _record(
        case,
        actor=actor,
        kind=EventKind.CLASSIFICATION,
        from_stage=case.stage,
        from_status=case.status,
        message="; ".join(labels) + ". " + reason.strip(),
        data=changes,
    )
    sla.clocks_recompute(case=case, at=timezone.now(), reason=reason, actor=actor)
    return case


@transaction.atomic
def case_add_note(*, case: Case, actor: User, body: str, visibility: str = NoteVisibility.INTERNAL) -> CaseNote:
    case = _lock(case, None)
    _check_operation(case, actor, Operation.NOTE)
    errors = _Errors()
    if not body.strip():
        errors.add("body", _("This field is required."))
    if visibility not in NoteVisibility.values:
        errors.add("visibility", _("Choose one of: %(choices)s.") % {"choices": ", ".join(NoteVisibility.values)})
    errors.raise_if_any(_("The note was not added."))
    note = CaseNote.objects.create(case=case, author=actor, visibility=visibility, body=body.strip())
    _save(case, [])
    _record(
        case,
        actor=actor,
        kind=EventKind.NOTE,
        from_stage=case.stage,
        from_status=case.status,
        message=body.strip()[:200],
        data={"note": note.pk, "visibility": visibility},
    )
    return note


@transaction.atomic
def case_add_attachment(
    *, case: Case, actor: User, file: UploadedFile, visibility: str = NoteVisibility.INTERNAL
) -> CaseAttachment:
    from django.conf import settings

    case = _lock(case, None)
    _check_operation(case, actor, Operation.NOTE)
    if file.size is not None and file.size > settings.KEFU_MAX_ATTACHMENT_BYTES:
        raise ApplicationError(
            _("The file is too large."),
            extra={"file": [_("At most %(mb)s MB.") % {"mb": settings.KEFU_MAX_ATTACHMENT_BYTES // (1024 * 1024)}]},
        )
    attachment = CaseAttachment(
        case=case,
        file=file,
        name=(file.name or "file")[:200],
        size=file.size or 0,
        content_type=getattr(file, "content_type", "") or "",
        uploaded_by=actor,
        visibility=visibility,
    )
    attachment.save()
    _save(case, [])
    _record(
        case,
        actor=actor,
        kind=EventKind.ATTACHMENT,
        from_stage=case.stage,
        from_status=case.status,
        message=attachment.name,
        data={"attachment": attachment.pk, "size": attachment.size},
    )
    return attachment


@transaction.atomic
def case_hand_over_open_work(*, principal: User, deputy: User, actor: User, reason: str) -> int:
    """Hand the open cases a person owns or handles to a deputy (absence delegation)."""
    count = 0
    for case in Case.objects.open().filter(Q(owner=principal) | Q(assignee=principal)).order_by("pk"):
        case = _lock(case, None)
        if case.subject_person_id == deputy.pk:
            continue  # never hand a complaint to the person it is about; it stays for the supervisor
        fields = []
        if case.owner_id == principal.pk:
            case.owner = deputy
            fields.append("owner")
        if case.assignee_id == principal.pk:
            case.assignee = deputy
            fields.append("assignee")
        _save(case, fields)
        _record(
            case,
            actor=actor,
            kind=EventKind.HANDOVER,
            from_stage=case.stage,
            from_status=case.status,
            message=reason,
            data={"from": str(principal), "to": str(deputy)},
        )
        count += 1
    return count
