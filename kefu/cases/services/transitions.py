"""Rulebook transitions: `case_transition` takes one step of the case's pinned rulebook."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.changes import actor_has_role, actor_may_act, case_lock, case_record_change, ensure_may_act
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.facts import condition_holds
from kefu.cases.models import Case, CaseAttachment
from kefu.cases.services._common import is_id
from kefu.cases.services.actions import ACTIONS
from kefu.cases.services.approvals import next_approval_step
from kefu.cases.services.fields import (
    check_field_values,
    describe_changes,
    may_edit_field,
    merge_fields,
    missing_required,
)
from kefu.cases.services.operations import attachment_store
from kefu.core.exceptions import ApplicationError, FieldErrors, ForbiddenError
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.rulebooks.choices import StateKind, TransitionAction
from kefu.rulebooks.schema import TransitionDef
from kefu.sla import services as sla

__all__ = ("case_transition", "transition_allowed", "transition_inputs")


def transition_inputs(case: Case, td: TransitionDef) -> tuple[bool, list[str], bool]:
    """What a transition's form must ask for besides its action's input: (comment required, form
    field keys, attachment required). The fields are those the transition `requires` and those whose
    `required_before` names it."""
    requires = td.requires
    keys = list(requires.fields) if requires else []
    keys += [f.key for f in case.type_def.fields if td.name in f.required_before and f.key not in keys]
    return bool(requires and requires.comment), keys, bool(requires and requires.attachment)


def _required_input(
    case: Case, actor: User, td: TransitionDef, data: dict[str, Any]
) -> tuple[dict[str, Any], int | None]:
    """Check the input the rulebook requires on this transition (comment, form fields, attachment) and
    the form field values it carries; return (field changes, attachment id). Raises with every problem."""
    type_def = case.type_def
    errors = FieldErrors()
    comment_required, asked, attachment_required = transition_inputs(case, td)
    if comment_required and not str(data.get("comment") or "").strip():
        errors.add("comment", _("This field is required."))
    changes = check_field_values(type_def, data.get("fields"), errors, case=case, customer_id=case.customer_id)
    for key in changes:
        definition = type_def.field(key)
        if key not in asked and definition is not None and not may_edit_field(case, actor, definition):
            errors.add(f"fields.{key}", _("Your role may not change this field."))
    merged = merge_fields(case.fields, changes)
    for definition in missing_required(type_def, merged, asked):
        if f"fields.{definition.key}" not in errors.fields:
            errors.add(f"fields.{definition.key}", _("Required before “%(action)s”.") % {"action": td.label})
    attachment_id = None
    if attachment_required:
        raw = data.get("attachment")
        if is_id(raw) and CaseAttachment.objects.filter(pk=int(str(raw)), case=case).exists():
            attachment_id = int(str(raw))
        else:
            errors.add("attachment", _("Attach a file: “%(action)s” needs one.") % {"action": td.label})
    errors.raise_if_any(_("“%(action)s” needs more input.") % {"action": td.label})
    return changes, attachment_id


def transition_allowed(case: Case, actor: User, td: TransitionDef) -> bool:
    """Whether `actor` may take `td` now (used to show only the actions a person may take)."""
    if case.status != CaseStatus.OPEN and not (
        case.status == CaseStatus.CLOSED and td.action == TransitionAction.ARCHIVE
    ):
        return False
    if case.stage not in td.from_ or case.subject_person_id == actor.pk or not actor_may_act(case, actor):
        return False
    if td.when is not None and not condition_holds(case, td.when):
        return False
    if td.action in (TransitionAction.APPROVE, TransitionAction.DECLINE):
        step = next_approval_step(case, td)
        return step is not None and actor_has_role(actor, [step[1].role])
    return actor_has_role(actor, td.roles)


@transaction.atomic
def case_transition(
    *,
    case: Case,
    actor: User,
    transition: str,
    expected_version: int | None,
    data: dict[str, Any] | None = None,
    upload: UploadedFile | None = None,
    upload_fields: list[str] | tuple[str, ...] = (),
) -> Case:
    """Take the rulebook transition `transition` on `case` for `actor`.

    `upload` is a file uploaded with the step (the web form of a transition that requires an
    attachment): it is saved on the case in the same transaction and counts as `data["attachment"]`,
    and as the value of the attachment form fields named in `upload_fields`.
    """
    data = dict(data or {})
    case = case_lock(case, expected_version=expected_version)
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
    ensure_may_act(case, actor)
    if td.action not in (TransitionAction.APPROVE, TransitionAction.DECLINE) and not actor_has_role(actor, td.roles):
        raise ForbiddenError(
            _("“%(action)s” may be done by: %(roles)s; your role is %(role)s.")
            % {
                "action": td.label,
                "roles": ", ".join(str(Role(r).label) for r in td.roles),
                "role": actor.get_role_display(),
            }
        )

    if td.when is not None and not condition_holds(case, td.when):
        raise ApplicationError(
            _("“%(action)s” is not possible for this case: the rulebook allows it only when %(condition)s.")
            % {"action": td.label, "condition": " ".join(td.when.split())},
            extra={"transition": [_("The rulebook's condition for this step does not hold.")]},
        )
    if upload is not None:
        data["attachment"] = attachment_store(case=case, actor=actor, file=upload).pk
        if upload_fields:
            data["fields"] = {**(data.get("fields") or {}), **dict.fromkeys(upload_fields, data["attachment"])}
    field_changes, attachment_id = _required_input(case, actor, td, data)

    from_stage, from_status = case.stage, case.status
    outcome = ACTIONS[td.action](case, actor, data, td)
    fields = list(outcome.fields)
    if field_changes:
        before = dict(case.fields or {})
        case.fields = merge_fields(before, field_changes)
        lines, changed = describe_changes(type_def, before, case.fields)
        if changed:
            fields.append("fields")
            outcome.data["fields"] = changed
            outcome.message = "\n".join(part for part in (outcome.message, lines) if part)
    if attachment_id is not None:
        outcome.data["attachment"] = attachment_id
    return transition_apply(
        case, td=td, outcome=outcome, fields=fields, actor=actor, from_stage=from_stage, from_status=from_status
    )


def transition_apply(
    case: Case,
    *,
    td: TransitionDef,
    outcome: Any,
    fields: list[str],
    actor: User,
    from_stage: str,
    from_status: str,
    data: dict[str, Any] | None = None,
) -> Case:
    """The end of every transition, whoever takes it (staff, or the customer through
    services/customer.py): move to the target stage unless the action stays put, set the status a
    closing or archiving stage gives, record the event (one version bump) and move the clocks."""
    now = timezone.now()
    if outcome.move:
        case.stage = td.to
        kind = case.type_def.state(td.to).kind
        if kind == StateKind.CLOSED:
            case.status, case.closed_at = CaseStatus.CLOSED, now
        elif kind == StateKind.ARCHIVED:
            case.status, case.archived_at = CaseStatus.ARCHIVED, now
        fields = [*fields, "stage", "status", "closed_at", "archived_at"]
    case_record_change(
        case,
        fields=fields,
        actor=actor,
        kind=EventKind.TRANSITION,
        transition=td.name,
        from_stage=from_stage,
        from_status=from_status,
        message=outcome.message,
        data={**outcome.data, **(data or {})},
    )
    if case.stage != from_stage:
        sla.clocks_on_stage_change(case=case, from_stage=from_stage, at=now, actor=actor)
    return case
