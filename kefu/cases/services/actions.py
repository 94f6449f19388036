"""What each transition action does to a case besides moving it (docs/rulebooks.md, "Transition actions").

An action reads the transition's input, refuses it with field errors (nothing written), and changes
the locked case's fields; `case_transition` then moves, saves and records the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kefu.cases.choices import ApprovalDecision, NoteVisibility, RemedyKind, Responsibility, Validity
from kefu.cases.models import Approval, Case, CaseNote, Remedy
from kefu.cases.services._common import input_text, input_unit, input_user
from kefu.cases.services.approvals import approval_step_for, approval_steps_required
from kefu.cases.services.fields import check_field_values
from kefu.cases.textchecks import check_customer_text
from kefu.core.exceptions import FieldErrors
from kefu.core.inputs import TEXT_LIMITS, check_text
from kefu.org.models import User
from kefu.rulebooks.choices import TransitionAction
from kefu.rulebooks.schema import TransitionDef

__all__ = ("ACTIONS", "Outcome")


@dataclass
class Outcome:
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    move: bool = True


def _checked_for_customer(case: Case, actor: User, text: str, field: str, data: dict[str, Any]) -> dict[str, Any]:
    """Text the customer will read passes the registered checks (kefu.cases.textchecks) unless the
    sender overrides them (`override_text_checks`); an override is kept in the event's data."""
    overridden = check_customer_text(
        case=case,
        actor=actor,
        text=text,
        field=field,
        purpose="reply",
        override=str(data.get("override_text_checks", "")).lower() in ("true", "1", "on", "yes"),
    )
    return {"text_check_override": overridden} if overridden else {}


def _comment(data: dict[str, Any], errors: FieldErrors | None = None) -> str:
    """The optional comment of a transition; alone (no errors given), a bad one is refused at once."""
    own = errors is None
    errors = FieldErrors() if errors is None else errors
    comment = input_text(errors, data, "comment", required=False)
    if own:
        errors.raise_if_any(_("The comment was not accepted."))
    return comment


def _act_advance(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    return Outcome(message=_comment(data))


def _act_establish(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    comment = _comment(data)
    case.validity = Validity.ESTABLISHED
    return Outcome(message=comment, fields=["validity"])


def _act_not_established(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    reason = input_text(errors, data, "reason")
    errors.raise_if_any(_("A complaint that does not stand must be answered with a reason."))
    overridden = _checked_for_customer(case, actor, reason, "reason", data)
    case.validity = Validity.NOT_ESTABLISHED
    case.reply = reason
    CaseNote.objects.create(case=case, author=actor, visibility=NoteVisibility.CUSTOMER, body=reason)
    return Outcome(message=reason, fields=["validity", "reply"], data=overridden)


def _act_route(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    unit = input_unit(errors, "unit", data.get("unit"), required=True)
    assignee = input_user(errors, "assignee", data.get("assignee"))
    if assignee is not None and assignee.pk == case.subject_person_id:
        errors.add("assignee", _("This person is the subject of the complaint and must not handle it (recusal)."))
    comment = _comment(data, errors)
    errors.raise_if_any(_("The case was not routed."))
    case.responsible_unit = unit
    case.assignee = assignee
    return Outcome(
        message=comment,
        data={
            "unit": unit.name if unit else None,
            "unit_id": unit.pk if unit else None,
            "assignee": str(assignee) if assignee else None,
        },
        fields=["responsible_unit", "assignee"],
    )


def _act_assign(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    assignee = input_user(errors, "assignee", data.get("assignee"), required=True)
    if assignee is not None and assignee.pk == case.subject_person_id:
        errors.add("assignee", _("This person is the subject of the complaint and must not handle it (recusal)."))
    errors.raise_if_any(_("The case was not assigned."))
    case.assignee = assignee
    return Outcome(data={"assignee": str(assignee)}, fields=["assignee"])


def _act_finding(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    cause = input_text(errors, data, "cause")
    responsibility = str(data.get("responsibility") or "")
    if responsibility not in Responsibility.values:
        errors.add("responsibility", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Responsibility.values)})
    unit = input_unit(errors, "responsible_unit", data.get("responsible_unit"))
    person = input_user(errors, "responsible_person", data.get("responsible_person"))
    errors.raise_if_any(_("The finding was not recorded."))
    case.cause = cause
    case.responsibility = responsibility
    case.responsible_person = person
    fields = ["cause", "responsibility", "responsible_person"]
    if unit is not None:
        case.responsible_unit = unit
        fields.append("responsible_unit")
    return Outcome(message=cause, data={"responsibility": responsibility}, fields=fields)


def _act_remedy(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
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
            description = check_text(
                errors,
                "description",
                item.get("description") or "",
                limit=TEXT_LIMITS["remedy_description"],
                field=f"remedies[{i}].description",
            )
            parsed.append(Remedy(case=case, kind=kind, amount=amount, description=description, proposed_by=actor))
    comment = _comment(data, errors)
    errors.raise_if_any(_("The remedy was not recorded."))
    case.remedies.filter(superseded=False).update(superseded=True)
    for remedy in parsed:
        remedy.approval_round = case.approval_round
        remedy.save()
    case.remedy_total = sum((r.amount for r in parsed), Decimal(0))
    return Outcome(
        message=comment,
        data={"remedies": [{"kind": r.kind, "amount": str(r.amount)} for r in parsed], "total": str(case.remedy_total)},
        fields=["remedy_total"],
    )


def _act_approve(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    index, step_def = approval_step_for(case, actor, td)
    comment = _comment(data)
    Approval.objects.create(
        case=case,
        approval_round=case.approval_round,
        approval_pass=td.approval_pass,
        step=index,
        role=step_def.role,
        approver=actor,
        decision=ApprovalDecision.APPROVED,
        comment=comment,
    )
    remaining = len(approval_steps_required(case, td)) - (index + 1)
    return Outcome(
        message=comment,
        data={
            "step": index + 1,
            "level": step_def.label or step_def.role,
            "remaining": remaining,
            **({"pass": td.approval_pass} if td.approval_pass else {}),
        },
        move=remaining == 0,
    )


def _act_decline(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    index, step_def = approval_step_for(case, actor, td)
    errors = FieldErrors()
    comment = input_text(errors, data, "comment")
    errors.raise_if_any(_("Say why the remedy is sent back."))
    Approval.objects.create(
        case=case,
        approval_round=case.approval_round,
        approval_pass=td.approval_pass,
        step=index,
        role=step_def.role,
        approver=actor,
        decision=ApprovalDecision.DECLINED,
        comment=comment,
    )
    case.approval_round += 1
    return Outcome(message=comment, data={"step": index + 1}, fields=["approval_round"])


def _act_reply(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    reply = input_text(errors, data, "reply")
    errors.raise_if_any(_("The reply is empty."))
    overridden = _checked_for_customer(case, actor, reply, "reply", data)
    case.reply = reply
    CaseNote.objects.create(case=case, author=actor, visibility=NoteVisibility.CUSTOMER, body=reply)
    return Outcome(message=reply, fields=["reply"], data=overridden)


def _act_customer_accept(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    comment = _comment(data)
    case.customer_accepted = True
    return Outcome(message=comment, fields=["customer_accepted"])


def _act_customer_reject(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    reason = input_text(errors, data, "reason")
    errors.raise_if_any(_("Record why the customer does not accept."))
    case.customer_accepted = False
    from kefu.cases.services.registration import case_register  # registration imports nothing of this module
    from kefu.rulebooks.selectors import rulebook_for_new_case

    # The follow-up opens under the rulebook's active version: it inherits the form fields that version
    # still has with the same type (attachments stay on this case).
    new_type = rulebook_for_new_case(case.rulebook.key).doc.case_types.get(case.case_type)
    inherited = {}
    for key, value in (case.fields or {}).items():
        old_def, new_def = case.type_def.field(key), new_type.field(key) if new_type else None
        if old_def and new_def and old_def.type == new_def.type and new_def.type != "attachment":
            inherited[key] = value
    if new_type is not None:
        # Values the new version would refuse (an option it dropped, a person who left) are not carried over.
        unusable = FieldErrors()
        check_field_values(new_type, inherited, unusable, customer_id=case.customer_id)
        inherited = {k: v for k, v in inherited.items() if f"fields.{k}" not in unusable.fields}

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
        is_anonymous=case.is_anonymous,  # the complainant stays anonymous on the follow-up
        rulebook_key=case.rulebook.key,
        parent=case,
        fields=inherited,
    )
    return Outcome(
        message=reason, data={"follow_up": follow_up.number, "follow_up_id": follow_up.pk}, fields=["customer_accepted"]
    )


def _act_return_visit(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    note = input_text(errors, data, "note")
    errors.raise_if_any(_("Record what the customer said on the return visit."))
    case.return_visit_note = note
    return Outcome(message=note, fields=["return_visit_note"])


def _act_review(case: Case, actor: User, data: dict[str, Any], td: TransitionDef) -> Outcome:
    errors = FieldErrors()
    summary = input_text(errors, data, "summary")
    errors.raise_if_any(_("Write the review summary."))
    case.review_summary = summary
    return Outcome(message=summary, fields=["review_summary"])


ACTIONS: dict[str, Callable[[Case, User, dict[str, Any], TransitionDef], Outcome]] = {
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
