"""Rulebook transitions: `case_transition` takes one step of the case's pinned rulebook."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.cases.changes import actor_has_role, actor_may_act, case_lock, case_record_change, ensure_may_act
from kefu.cases.choices import CaseStatus, EventKind
from kefu.cases.models import Case
from kefu.cases.services.actions import ACTIONS
from kefu.cases.services.approvals import next_approval_step
from kefu.core.exceptions import ApplicationError, ForbiddenError
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.rulebooks.choices import StateKind, TransitionAction
from kefu.rulebooks.schema import TransitionDef
from kefu.sla import services as sla

__all__ = ("case_transition", "transition_allowed")


def transition_allowed(case: Case, actor: User, td: TransitionDef) -> bool:
    """Whether `actor` may take `td` now (used to show only the actions a person may take)."""
    if case.status != CaseStatus.OPEN and not (
        case.status == CaseStatus.CLOSED and td.action == TransitionAction.ARCHIVE
    ):
        return False
    if case.stage not in td.from_ or case.subject_person_id == actor.pk or not actor_may_act(case, actor):
        return False
    if td.action in (TransitionAction.APPROVE, TransitionAction.DECLINE):
        step = next_approval_step(case)
        return step is not None and actor_has_role(actor, [step[1].role])
    return actor_has_role(actor, td.roles)


@transaction.atomic
def case_transition(
    *, case: Case, actor: User, transition: str, expected_version: int | None, data: dict[str, Any] | None = None
) -> Case:
    """Take the rulebook transition `transition` on `case` for `actor`."""
    data = data or {}
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

    from_stage, from_status = case.stage, case.status
    outcome = ACTIONS[td.action](case, actor, data, td)
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
    case_record_change(
        case,
        fields=fields,
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
