"""Who is told about a hand-off, decided from the case event (kefu.cases.events) and the case now.

| event                               | message             | to whom                                          |
|-------------------------------------|---------------------|--------------------------------------------------|
| transition `route` with a handler   | assigned            | the handler named                                |
| transition `route` to a unit only   | routed              | the unit's members whose role may take the next  |
|                                     |                     | step (the rulebook's transitions from the new    |
|                                     |                     | stage), else the unit's supervisor up the chain  |
| transition `assign`, a handover     | assigned            | the new handler                                  |
| transfer                            | assigned            | the new owner                                    |
| any transition landing where an     | approval            | the holders of the next approval step's role for |
| approval waits (also a first-level  |                     | the case's unit (its chain, then the leadership  |
| approval that leaves more steps)    |                     | offices: the deputy GM sits in 总经理办公室)     |
| transition `decline` (sent back)    | returned            | the handler (else the owner)                     |
| transition `customer_reject`        | customer_rejected   | the owner and handler of the case                |
|                                     | follow_up           | the follow-up's owner and the supervisor of the  |
|                                     |                     | case's unit, on the follow-up case               |
| note with @username                 | mentioned           | the people named who may see the case            |

Never the person who made the change, never the person a complaint is about, only people who may
see the case. The deadline is the case's nearest running clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kefu.cases.choices import EventKind
from kefu.cases.events import CaseEventInfo
from kefu.cases.models import Case, CaseNote
from kefu.cases.selectors import IdentityRedactor
from kefu.cases.services.approvals import next_approval_step
from kefu.handoffs import messages as m
from kefu.handoffs.services import handoff_notify
from kefu.org.choices import Role
from kefu.org.models import User
from kefu.org.selectors import role_holders_for
from kefu.rulebooks.choices import TransitionAction
from kefu.sla.choices import NoticeKind
from kefu.sla.selectors import next_deadline_for_cases

__all__ = ("handoff_email_cover", "mentioned_usernames", "notify_handoff")

# @username as staff type it in a note: letters, digits and . _ - + (Django's username characters, no @).
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]{1,150})")
_STAFF_ROLES = {Role.HANDLER, Role.SUPERVISOR, Role.MANAGER, Role.TECHNICIAN, Role.AGENT}


def mentioned_usernames(text: str) -> list[str]:
    """'请 @handler 和 @manager. 看一下' → ['handler', 'manager'] (a trailing full stop is not part of a name)."""
    names = [name.rstrip(".-") for name in MENTION.findall(text or "")]
    return list(dict.fromkeys(n for n in names if n))


def _due(case: Case) -> Any:
    clock = next_deadline_for_cases([case.pk]).get(case.pk)
    return clock.deadline if clock is not None else None


def _params(case: Case, **extra: Any) -> dict[str, Any]:
    # An anonymous complaint's title may name the complainant and e-mail leaves Kefu's access control
    # (001 篇10 第十九条): such a notice names only the case type.
    title = str(case.type_label) if case.is_anonymous else case.title[:120]
    return {"number": case.number, "title": title, **extra}


def _user(pk: int | None) -> User | None:
    return User.objects.filter(pk=pk, is_active=True).first() if pk else None


def _unit_people_for_next_step(case: Case) -> list[User]:
    """The responsible unit's own members whose role may take a step from the case's stage; else the
    supervisor for the unit (its chain upwards, no fallback)."""
    unit = case.responsible_unit
    if unit is None:
        return []
    roles: set[str] = set()
    for td in case.type_def.transitions_from(case.stage):
        roles.update(r for r in td.roles if r in _STAFF_ROLES)
    people = list(User.objects.filter(unit=unit, is_active=True, role__in=roles).order_by("pk")) if roles else []
    if people:
        return people
    return list(role_holders_for(role=Role.SUPERVISOR, unit=unit, fallback=False).people)


def _approvers(case: Case) -> tuple[list[User], dict[str, Any]]:
    """The people who decide the next approval step of the case at its stage, and the step's words."""
    people: dict[int, User] = {}
    info: dict[str, Any] = {}
    exclude = [case.subject_person_id] if case.subject_person_id else []
    unit = case.responsible_unit or case.receiving_unit
    seen_passes: set[str] = set()
    for td in case.type_def.transitions_from(case.stage):
        if td.action != TransitionAction.APPROVE or td.approval_pass in seen_passes:
            continue
        seen_passes.add(td.approval_pass)
        step = next_approval_step(case, td)
        if step is None:
            continue
        index, step_def = step
        for person in role_holders_for(role=step_def.role, unit=unit, exclude=exclude).people:
            people.setdefault(person.pk, person)
        info.setdefault("step", index + 1)
        role_label = str(Role(step_def.role).label) if step_def.role in Role.values else step_def.role
        info.setdefault("level", step_def.label or role_label)
    return list(people.values()), info


@dataclass(frozen=True)
class _Send:
    code: str
    people: tuple[User, ...]
    case: Case
    kind: str
    extra: dict[str, Any]


def _plan(event: CaseEventInfo) -> list[_Send]:
    """The notices this event calls for (message, people, on which case), decided and not yet written."""
    case = (
        Case.objects.select_related("rulebook_version", "responsible_unit", "receiving_unit")
        .filter(pk=event.case_id)
        .first()
    )
    if case is None:
        return []
    actor = event.actor_id
    work = NoticeKind.WORK
    plan: list[_Send] = []

    def send(code: str, people: list[User | None], *, on: Case = case, kind: str = work, **extra: Any) -> None:
        plan.append(_Send(code, tuple(p for p in people if p is not None), on, kind, extra))

    if event.kind == EventKind.NOTE:
        note = CaseNote.objects.filter(pk=event.data.get("note"), case=case).first()
        names = mentioned_usernames(note.body if note else event.message)
        if names:
            people = list(User.objects.filter(username__in=names, is_active=True))
            excerpt = IdentityRedactor.for_case(case).text((note.body if note else event.message)[:80])
            send(m.MENTIONED, people, kind=NoticeKind.INFO, actor=str(_user(actor) or ""), excerpt=excerpt)
        return plan
    if event.kind == EventKind.TRANSFER:
        send(m.ASSIGNED, [_user(event.owner_id)])
        return plan
    if event.kind == EventKind.HANDOVER:
        send(m.ASSIGNED, [_user(event.assignee_id), _user(event.owner_id)])
        return plan
    if event.kind != EventKind.TRANSITION:
        return plan

    # Transitions.
    action = event.action
    if action == TransitionAction.ROUTE:
        if event.assignee_id:
            send(m.ASSIGNED, [_user(event.assignee_id)])
        elif case.responsible_unit_id == event.responsible_unit_id and case.stage == event.to_stage:
            send(m.ROUTED, _unit_people_for_next_step(case), unit=case.responsible_unit.name)
    elif action == TransitionAction.ASSIGN:
        send(m.ASSIGNED, [_user(event.assignee_id)])
    elif action == TransitionAction.DECLINE:
        reason = IdentityRedactor.for_case(case).text(event.message[:120])
        send(
            m.RETURNED,
            [_user(event.assignee_id) or _user(event.owner_id)],
            actor=str(_user(actor) or ""),
            reason=reason,
        )
    elif action == TransitionAction.CUSTOMER_REJECT:
        follow_up = Case.objects.select_related("rulebook_version").filter(pk=event.data.get("follow_up_id")).first()
        send(
            m.CUSTOMER_REJECTED,
            [_user(event.owner_id), _user(event.assignee_id)],
            follow_up=follow_up.number if follow_up else "",
        )
        if follow_up is not None:
            unit = case.responsible_unit or case.receiving_unit
            supervisors = list(role_holders_for(role=Role.SUPERVISOR, unit=unit, fallback=False).people) if unit else []
            send(m.FOLLOW_UP, [follow_up.owner, *supervisors], on=follow_up, parent=case.number)

    # Whatever the step, if the case now waits for an approval at its stage, the approvers are told.
    if case.stage == event.to_stage and case.status == "open":
        approvers, step = _approvers(case)
        if approvers:
            send(m.APPROVAL, approvers, **step)
    return plan


def notify_handoff(event: CaseEventInfo) -> None:
    for item in _plan(event):
        handoff_notify(
            event_id=event.event_id,
            case=item.case,
            code=item.code,
            kind=item.kind,
            recipients=list(item.people),
            params=_params(item.case, **item.extra),
            due_at=_due(item.case),
            exclude=[event.actor_id],
        )


def handoff_email_cover(event: CaseEventInfo) -> set[int]:
    """Who gets this app's mail about the event about the *event's* case (registered with
    `kefu.cases.tasks.register_email_cover`): the case engine then does not mail them its own
    change message too. Notices about another case (the follow-up) do not cover this one's mail."""
    return {
        p.pk
        for item in _plan(event)
        if item.case.pk == event.case_id
        for p in item.people
        if p.is_active and p.email and p.pk not in (event.actor_id, item.case.subject_person_id)
    }
